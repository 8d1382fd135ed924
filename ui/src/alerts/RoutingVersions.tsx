import { PublishedVersions } from "../shared/PublishedVersions";
import {
  routingVersionQuery,
  routingVersionsQuery,
  usePublishRouting,
  useRollbackRouting,
} from "./queries";

/** The routing document's versions, with publish, roll back and diffs. */
export function RoutingVersions() {
  return (
    <PublishedVersions
      query={routingVersionsQuery()}
      publish={usePublishRouting()}
      rollback={useRollbackRouting()}
      textQuery={routingVersionQuery}
    />
  );
}
