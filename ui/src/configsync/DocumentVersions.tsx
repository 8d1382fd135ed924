import { PublishedVersions } from "../shared/PublishedVersions";
import { usePublish, useRollback, versionQuery, versionsQuery, type DocPath } from "./queries";

/** A rule set's or an Alertmanager config's versions, with publish, roll back and diffs. */
export function DocumentVersions({ kind, name }: { kind: DocPath; name: string }) {
  return (
    <PublishedVersions
      query={versionsQuery(kind, name)}
      publish={usePublish(kind, name)}
      rollback={useRollback(kind, name)}
      textQuery={(version) => versionQuery(kind, name, version)}
    />
  );
}
