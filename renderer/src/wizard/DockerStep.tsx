/**
 * Step 2: is Docker ready? Not installed → where to get it (the page for this OS, opened in the
 * browser); not running → start it, and Engawa waits, checking again every few seconds while
 * this step is on screen (Docker sends no event when it comes up); too little memory or disk →
 * how much each network needs.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, DockerStartResult, EngineSummary, StackInfo, SystemReport } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { toApiError } from '../lib/errors';
import { formatBytes, mibToGb } from '../lib/format';
import { fireAndReport } from '../lib/report';
import { useApi, useApp } from '../store/context';
import { valueOf } from '../store/loadable';
import { StepNav } from './parts';

/** While Docker does not answer, check again this often. */
export const DOCKER_WAIT_MS = 3000;
/** The free disk `engawa doctor` asks for (electron/core/cli/doctor.ts MIN_FREE_DISK_BYTES). */
const MIN_FREE_DISK_BYTES = 10 * 1024 ** 3;

/** Docker's install guide for the OS Engawa runs on. */
export function dockerDownloadUrl(platform: string): string {
  if (platform === 'darwin') return 'https://docs.docker.com/desktop/setup/install/mac-install/';
  if (platform === 'win32') return 'https://docs.docker.com/desktop/setup/install/windows-install/';
  return 'https://docs.docker.com/engine/install/';
}

function EngineMissing(props: { report: SystemReport; platform: string; onRetry: () => void }) {
  const { t } = useTranslation();
  const engine = props.report.checks.find((c) => c.id === 'engine');
  const code = engine?.code ?? 'ENGINE_UNREACHABLE';
  if (code !== 'ENGINE_UNREACHABLE') {
    return <ErrorNotice error={{ code, message: engine?.detail ?? '' }} onRetry={props.onRetry} retryLabel={t('docker.checkAgain')} />;
  }
  return (
    <div className="docker-missing">
      <div className="notice notice-warn" role="status">
        <p className="notice-title">{t('docker.notFound.title')}</p>
        <p className="waiting">
          <span className="spinner" aria-hidden="true" />
          {t('docker.notFound.waiting')}
        </p>
      </div>
      <div className="two-col">
        <section className="card card-flat">
          <h3>{t('docker.notInstalled.title')}</h3>
          <p>{t(`docker.notInstalled.${props.platform === 'linux' ? 'linux' : 'desktop'}`)}</p>
          <a className="button" href={dockerDownloadUrl(props.platform)} target="_blank" rel="noreferrer noopener">
            {t('docker.notInstalled.link')}
          </a>
        </section>
        <section className="card card-flat">
          <h3>{t('docker.notRunning.title')}</h3>
          <p>{t(`docker.notRunning.${props.platform === 'linux' ? 'linux' : 'desktop'}`)}</p>
          <StartDocker onRetry={props.onRetry} />
        </section>
      </div>
      <details className="notice-detail">
        <summary>{t('common.details')}</summary>
        <p lang="en">{engine?.detail}</p>
      </details>
    </div>
  );
}

/**
 * "Start Docker": asks the core to launch Docker Desktop (or the OS's equivalent); the live wait
 * then sees it come up. When it cannot (Linux's system Docker needs root), says what to do.
 */
function StartDocker(props: { onRetry: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const [state, setState] = useState<{ status: 'idle' | 'starting' } | { status: 'done'; result: DockerStartResult } | { status: 'error'; error: ApiError }>({
    status: 'idle',
  });
  const start = () => {
    setState({ status: 'starting' });
    api.call('system.startDocker').then(
      (result) => {
        setState({ status: 'done', result });
        if (result.started) props.onRetry();
      },
      (e: unknown) => setState({ status: 'error', error: toApiError(e) }),
    );
  };
  return (
    <>
      <div className="choice-row">
        <button type="button" className="button button-primary" onClick={start} disabled={state.status === 'starting'}>
          {t('docker.start.button')}
        </button>
        <button type="button" className="button" onClick={props.onRetry}>
          {t('docker.checkAgain')}
        </button>
      </div>
      {state.status === 'starting' && <Loading label={t('docker.start.starting')} />}
      {state.status === 'done' && (
        <div className={`notice ${state.result.started ? 'notice-info' : 'notice-warn'}`} role="status" data-testid="docker-start-result">
          <p>{t(state.result.started ? 'docker.start.started' : 'docker.start.cannot')}</p>
          <p className="hint" lang="en">
            {state.result.how}
          </p>
        </div>
      )}
      {state.status === 'error' && <ErrorNotice error={state.error} />}
    </>
  );
}

/** Memory, disk and CPU against what the networks need. */
function Resources(props: { engine: EngineSummary; stacks: StackInfo[] }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const shipped = props.stacks.filter((s) => !s.testOnly);
  const lowDisk = props.engine.freeDiskBytes !== undefined && props.engine.freeDiskBytes < MIN_FREE_DISK_BYTES;
  return (
    <ul className="checks">
      <li className="check check-ok">{t('docker.ready', { version: props.engine.version, os: props.engine.os, cpus: props.engine.cpus })}</li>
      <li className={`check ${shipped.every((s) => s.memoryMiB * 1024 ** 2 <= props.engine.memoryBytes) ? 'check-ok' : 'check-warn'}`}>
        {t('docker.memory', { memory: formatBytes(props.engine.memoryBytes, lng) })}
        <ul className="needs">
          {shipped.map((s) => {
            const fits = s.memoryMiB * 1024 ** 2 <= props.engine.memoryBytes;
            return (
              <li key={s.id} className={fits ? 'fits' : 'too-small'}>
                {t(fits ? 'docker.memoryFits' : 'docker.memoryShort', { stack: s.name, gb: mibToGb(s.memoryMiB, lng) })}
              </li>
            );
          })}
        </ul>
        {shipped.some((s) => s.memoryMiB * 1024 ** 2 > props.engine.memoryBytes) && <p className="hint">{t('docker.memoryHow')}</p>}
      </li>
      {props.engine.freeDiskBytes !== undefined && (
        <li className={`check ${lowDisk ? 'check-warn' : 'check-ok'}`}>
          {t(lowDisk ? 'docker.diskLow' : 'docker.disk', { free: formatBytes(props.engine.freeDiskBytes, lng), need: formatBytes(MIN_FREE_DISK_BYTES, lng) })}
        </li>
      )}
      {props.engine.sse42 === false && <li className="check check-warn">{t('docker.noSse42')}</li>}
    </ul>
  );
}

export function DockerStep(props: { onBack: () => void; onNext: () => void }) {
  const { t } = useTranslation();
  const system = useApp((s) => s.system);
  const stacks = valueOf(useApp((s) => s.stacks)) ?? [];
  const platform = useApp((s) => s.info?.platform ?? 'linux');
  const checkSystem = useApp((s) => s.checkSystem);
  const report = valueOf(system ?? undefined);
  const engineDown = report !== undefined && report.engine === undefined;

  useEffect(() => {
    fireAndReport(checkSystem(), 'checking Docker');
  }, [checkSystem]);

  // the live wait: only while Docker does not answer and this step is on screen
  useEffect(() => {
    if (!engineDown) return;
    const timer = setInterval(() => fireAndReport(checkSystem(), 'checking Docker'), DOCKER_WAIT_MS);
    return () => clearInterval(timer);
  }, [engineDown, checkSystem]);

  return (
    <div>
      <h2>{t('docker.title')}</h2>
      <p className="lead">{t('docker.intro')}</p>
      {system === null || system.status === 'loading' ? (
        <Loading label={t('docker.checking')} />
      ) : system.status === 'error' ? (
        <ErrorNotice error={system.error} onRetry={() => fireAndReport(checkSystem(), 'checking Docker')} />
      ) : report?.engine === undefined ? (
        <EngineMissing report={system.value} platform={platform} onRetry={() => fireAndReport(checkSystem(), 'checking Docker')} />
      ) : (
        <Resources engine={report.engine} stacks={stacks} />
      )}
      <StepNav onBack={props.onBack} onNext={props.onNext} nextDisabled={report?.ok !== true} />
    </div>
  );
}
