/**
 * The dashboard of one instance: its live state and controls, then tabs for the overview
 * (services, addresses, updates, resources), live logs, backups and settings (the danger zone: Delete). Every instance is listed on the side.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';
import { BackupsPanel } from '../backups/BackupsPanel';
import { DeleteServer } from './DeleteServer';
import { InstanceHeader } from './InstanceHeader';
import { InstanceList } from './InstanceList';
import { LogsPanel } from './LogsPanel';
import { ResourcesCard } from './ResourcesCard';
import { ServicesCard } from './ServicesCard';
import { UrlsCard } from './UrlsCard';
import { TunnelCard } from './TunnelCard';
import { CheckCard } from '../check/CheckCard';
import { UpdateCard } from './UpdateCard';
import { ClockNotice } from './ClockNotice';
import { DockerLoginNotice } from './DockerLoginNotice';
import { DiskNotice } from './DiskNotice';
import { UptimeStrip } from './UptimeStrip';

const TABS = ['overview', 'logs', 'backups', 'settings'] as const;
type Tab = (typeof TABS)[number];

export function Dashboard(props: { name: string }) {
  const { t } = useTranslation();
  const instance = useApp((s) => s.instances.find((i) => i.name === props.name));
  const loadStatus = useApp((s) => s.loadStatus);
  const loadStacks = useApp((s) => s.loadStacks);
  const stacksLoaded = useApp((s) => s.stacks.status === 'ready');
  const view = useApp((s) => s.view);
  const asked = view.screen === 'dashboard' && view.instance === props.name ? view : undefined;
  const [tab, setTab] = useState<Tab>(asked?.tab ?? 'overview');
  useEffect(() => {
    if (asked?.tab) setTab(asked.tab); // the desktop shell asked for a tab (tray: Back up now, a security update)
  }, [asked]);

  useEffect(() => {
    fireAndReport(loadStatus(props.name), 'reading the services');
  }, [loadStatus, props.name]);
  useEffect(() => {
    if (!stacksLoaded) fireAndReport(loadStacks(), 'reading the networks');
  }, [stacksLoaded, loadStacks]);

  return (
    <div className="dashboard">
      <InstanceList current={props.name} />
      <div className="dashboard-main">
        {instance === undefined ? (
          <p className="empty">{t('dashboard.gone')}</p>
        ) : (
          <>
            <InstanceHeader instance={instance} />
            <ClockNotice />
            <DockerLoginNotice />
            <DiskNotice name={instance.name} running={instance.state === 'running'} />
            <div className="tabs" role="tablist" aria-label={t('dashboard.sections')}>
              {TABS.map((id) => (
                <button key={id} type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`panel-${id}`} onClick={() => setTab(id)}>
                  {t(`dashboard.tabs.${id}`)}
                </button>
              ))}
            </div>
            <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="panel">
              {tab === 'overview' && (
                <div className="grid">
                  <ServicesCard name={instance.name} />
                  <UrlsCard instance={instance} />
                  {instance.publicUrl !== null && <TunnelCard name={instance.name} />}
                  {instance.pending === undefined && <CheckCard key={`check-${instance.name}`} name={instance.name} />}
                  {instance.pending === undefined && <UpdateCard key={instance.name} instance={instance} />}
                  <ResourcesCard name={instance.name} state={instance.state} />
                  {instance.pending === undefined && <UptimeStrip key={`uptime-${instance.name}`} name={instance.name} state={instance.state} />}
                </div>
              )}
              {tab === 'logs' && <LogsPanel name={instance.name} />}
              {tab === 'backups' && <BackupsPanel instance={instance} askPassphrase={asked?.ask === 'passphrase'} />}
              {tab === 'settings' && <DeleteServer instance={instance} onBackups={() => setTab('backups')} />}
            </div>
          </>
        )}
      </div>
    </div>
  );
}
