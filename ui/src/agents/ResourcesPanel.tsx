// An agent's host resources as it samples them: CPU, load, memory and swap with sparklines of
// the short history, disks (space and inodes), network, and the top processes. Admins may
// terminate a process when the agent allows it, after typing its name.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { isAdmin } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import {
  agentResourcesQuery,
  useTerminateProcess,
  type HostProcess,
  type HostResources,
  type Terminated,
} from "./resources";
import "./resources.css";
import { percent, sparkPoints } from "./sparkline";

export function ResourcesPanel({ agentId }: { agentId: string }) {
  const { t } = useI18n();
  const resources = useQuery(agentResourcesQuery(agentId));
  return (
    <section className="card resources" aria-labelledby="agent-resources">
      <h2 id="agent-resources">{t("resources.title")}</h2>
      {resources.isPending && <p className="muted">{t("common.loading")}</p>}
      {resources.isError && (
        <ErrorNotice error={resources.error} onRetry={() => resources.refetch()} />
      )}
      {resources.data && !resources.data.latest && (
        <p className="muted">{t("resources.noSample")}</p>
      )}
      {resources.data?.latest && <Resources agentId={agentId} data={resources.data} />}
    </section>
  );
}

function Resources({ agentId, data }: { agentId: string; data: HostResources }) {
  const { t } = useI18n();
  const latest = data.latest!;
  const history = data.history;
  const canTerminate = isAdmin(usePrincipal().role) && data.terminate.enabled;
  // The dialog lives here, not in a row: the row goes once the process has exited.
  const [target, setTarget] = useState<HostProcess>();
  const onTerminate = canTerminate ? setTarget : undefined;
  return (
    <>
      {target && (
        <TerminateDialog
          key={target.pid}
          agentId={agentId}
          process={target}
          onClose={() => setTarget(undefined)}
        />
      )}
      <div className="resource-gauges">
        <Gauge
          label={t("resources.cpu")}
          value={`${latest.cpu_percent.toFixed(0)}%`}
          values={history.map((p) => p.cpu_percent)}
          max={100}
        />
        <Gauge
          label={t("resources.load")}
          value={`${latest.load1.toFixed(2)} / ${latest.load5.toFixed(2)} / ${latest.load15.toFixed(2)}`}
          detail={t("resources.cores", { count: latest.cpu_count })}
          values={history.map((p) => p.load1)}
        />
        <Gauge
          label={t("resources.memory")}
          value={percent(latest.memory.used_ratio)}
          detail={`${formatSize(latest.memory.used)} / ${formatSize(latest.memory.total)}`}
          values={history.map((p) => p.memory_used_ratio)}
          max={1}
        />
        <Gauge
          label={t("resources.swap")}
          value={latest.swap.total ? percent(latest.swap.used_ratio) : "—"}
          detail={`${formatSize(latest.swap.used)} / ${formatSize(latest.swap.total)}`}
          values={history.map((p) => p.swap_used_ratio)}
          max={1}
        />
        <Gauge
          label={t("resources.network")}
          value={`↓ ${formatSize(history.at(-1)?.rx_bytes_per_s ?? 0)}/s ↑ ${formatSize(history.at(-1)?.tx_bytes_per_s ?? 0)}/s`}
          values={history.map((p) => p.rx_bytes_per_s + p.tx_bytes_per_s)}
        />
      </div>
      <h3>{t("resources.disks")}</h3>
      <table className="resource-table" data-testid="disks">
        <thead>
          <tr>
            <th>{t("resources.mount")}</th>
            <th>{t("resources.fstype")}</th>
            <th>{t("resources.space")}</th>
            <th>{t("resources.inodes")}</th>
          </tr>
        </thead>
        <tbody>
          {latest.disks.map((disk) => (
            <tr key={disk.mount}>
              <td>{disk.mount}</td>
              <td className="muted">{disk.fstype}</td>
              <td>
                <Bar ratio={disk.used_ratio} />
                {formatSize(disk.used)} / {formatSize(disk.total)}
              </td>
              <td>
                <Bar ratio={disk.inode_used_ratio} />
                {disk.inodes_used} / {disk.inodes_total}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t("resources.network")}</h3>
      <table className="resource-table">
        <thead>
          <tr>
            <th>{t("resources.interface")}</th>
            <th>{t("resources.rx")}</th>
            <th>{t("resources.tx")}</th>
          </tr>
        </thead>
        <tbody>
          {latest.network.map((nic) => (
            <tr key={nic.name}>
              <td>{nic.name}</td>
              <td>{formatSize(nic.rx_bytes_per_s)}/s</td>
              <td>{formatSize(nic.tx_bytes_per_s)}/s</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Processes
        title={t("resources.topCpu")}
        testId="top-cpu"
        processes={latest.top_cpu}
        onTerminate={onTerminate}
      />
      <Processes
        title={t("resources.topMemory")}
        testId="top-memory"
        processes={latest.top_memory}
        onTerminate={onTerminate}
      />
    </>
  );
}

function Gauge(props: {
  label: string;
  value: string;
  detail?: string;
  values: number[];
  max?: number;
}) {
  return (
    <div className="resource-gauge">
      <span className="muted">{props.label}</span>
      <strong>{props.value}</strong>
      {props.detail && <span className="muted">{props.detail}</span>}
      <Sparkline values={props.values} max={props.max} label={props.label} />
    </div>
  );
}

function Sparkline({ values, max, label }: { values: number[]; max?: number; label: string }) {
  const points = sparkPoints(values, 120, 28, max);
  return (
    <svg className="sparkline" viewBox="0 0 120 28" role="img" aria-label={label}>
      {points && <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />}
    </svg>
  );
}

function Bar({ ratio }: { ratio: number }) {
  const level = ratio >= 0.9 ? "high" : ratio >= 0.75 ? "warn" : "ok";
  return (
    <span className={`usage-bar ${level}`} title={percent(ratio)}>
      <span style={{ width: `${Math.min(ratio, 1) * 100}%` }} />
      <em>{percent(ratio)}</em>
    </span>
  );
}

function Processes(props: {
  title: string;
  testId: string;
  processes: HostProcess[];
  onTerminate?: (process: HostProcess) => void;
}) {
  const { onTerminate } = props;
  const { t } = useI18n();
  return (
    <>
      <h3>{props.title}</h3>
      <table className="resource-table" data-testid={props.testId}>
        <thead>
          <tr>
            <th>{t("resources.pid")}</th>
            <th>{t("resources.name")}</th>
            <th>{t("resources.user")}</th>
            <th>{t("resources.cpu")}</th>
            <th>{t("resources.rss")}</th>
            <th>{t("resources.command")}</th>
            {onTerminate && <th />}
          </tr>
        </thead>
        <tbody>
          {props.processes.map((proc) => (
            <tr key={proc.pid} data-pid={proc.pid}>
              <td>{proc.pid}</td>
              <td>{proc.name}</td>
              <td className="muted">{proc.user}</td>
              <td>{proc.cpu_percent.toFixed(1)}%</td>
              <td>{formatSize(proc.memory_rss)}</td>
              <td className="command" title={proc.command}>
                {proc.command}
              </td>
              {onTerminate && (
                <td>
                  <button type="button" className="danger" onClick={() => onTerminate(proc)}>
                    {t("resources.terminate")}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Asks for the process's name, typed, before the agent is asked to SIGTERM it. */
function TerminateDialog(props: { agentId: string; process: HostProcess; onClose: () => void }) {
  const { t } = useI18n();
  const { process, onClose } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const [done, setDone] = useState<Terminated>();
  const terminate = useTerminateProcess(props.agentId);
  useEffect(() => {
    const current = dialog.current;
    current?.showModal();
    return () => current?.close();
  }, []);
  const onConfirm = () =>
    terminate.mutate({ pid: process.pid, confirmName: typed }, { onSuccess: setDone });
  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-label={t("resources.terminate")}
      onClose={onClose}
    >
      <form method="dialog" onSubmit={(event) => event.preventDefault()}>
        <p>{t("resources.terminateQuestion", { pid: process.pid, name: process.name })}</p>
        <label>
          {t("resources.typeName", { name: process.name })}
          <input value={typed} onChange={(event) => setTyped(event.target.value)} autoFocus />
        </label>
        {terminate.isError && <ErrorNotice error={terminate.error} />}
        {done && (
          <p role="status">
            {t(done.exited ? "resources.terminated" : "resources.stillRunning", {
              pid: done.pid,
              signal: done.signal,
            })}
          </p>
        )}
        <div className="row">
          <button type="button" onClick={() => dialog.current?.close()}>
            {t("resources.close")}
          </button>
          <button
            type="button"
            className="danger"
            disabled={typed !== process.name || terminate.isPending || !!done}
            onClick={onConfirm}
          >
            {t("resources.terminateConfirm")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
