import { describe, expect, it } from 'vitest';
import { fileEntries, healthConfig, parsePortsLabel, portsLabel, serviceContainerSpec, taskContainerSpec } from '../../../electron/core/engine/spec';
import { LABELS, type Plan, type PlannedService, type PlannedStep } from '../../../electron/core/plan/types';

const web: PlannedService = {
  name: 'web',
  containerName: 'engawa-x-web-1',
  image: 'mirror/web:1',
  officialImage: 'web:1',
  command: ['serve'],
  env: { A: '1', URL: 'https://x=y' },
  secretEnv: [],
  user: '991',
  mounts: [{ source: 'engawa-x_uploads', volume: 'uploads', target: '/up', readOnly: true }],
  ports: [
    { container: 3000, name: 'http', hostPort: 48123 },
    { container: 4000, name: 'stream', hostPort: 0 },
  ],
  healthcheck: { test: ['CMD', 'true'], intervalMs: 500, timeoutMs: 3000, retries: 5, startPeriodMs: 10_000 },
  dependsOn: [{ service: 'db', condition: 'healthy' }],
  files: [{ path: '/app/.env', content: 'K=V', mode: 0o600, uid: 991, gid: 991, secret: true }],
  init: true,
  stopTimeoutS: 20,
  restart: 'unless-stopped',
  labels: { [LABELS.project]: 'engawa-x', [LABELS.service]: 'web', [LABELS.configHash]: 'h1', custom: 'c' },
  configHash: 'h1',
};
const plan = { project: 'engawa-x', instance: 'x', stack: 'mastodon', network: { name: 'engawa-x_default', labels: {} }, services: [web] } as unknown as Plan;

describe('serviceContainerSpec', () => {
  const spec = serviceContainerSpec(plan, web);

  it('carries image, command, env, user, stop timeout and labels', () => {
    expect(spec).toMatchObject({
      name: 'engawa-x-web-1',
      Image: 'mirror/web:1',
      Cmd: ['serve'],
      Env: ['A=1', 'URL=https://x=y'],
      User: '991',
      StopTimeout: 20,
    });
    expect(spec.Entrypoint).toBeUndefined();
    expect(spec.Labels).toMatchObject({
      [LABELS.project]: 'engawa-x',
      [LABELS.service]: 'web',
      [LABELS.role]: 'service',
      [LABELS.managed]: 'true',
      [LABELS.configHash]: 'h1',
      custom: 'c',
      'com.docker.compose.depends_on': 'db:service_healthy:false',
      'app.engawa.ports': 'http:3000,stream:4000',
    });
  });

  it('publishes ports on 127.0.0.1 only and joins the network under the service name', () => {
    expect(spec.HostConfig?.PortBindings).toEqual({
      '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '48123' }],
      '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    });
    expect(spec.ExposedPorts).toEqual({ '3000/tcp': {}, '4000/tcp': {} });
    expect(spec.HostConfig).toMatchObject({ Init: true, RestartPolicy: { Name: 'unless-stopped' }, NetworkMode: 'engawa-x_default' });
    expect(spec.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: 'engawa-x_uploads', Target: '/up', ReadOnly: true }]);
    expect(spec.NetworkingConfig?.EndpointsConfig?.['engawa-x_default']?.Aliases).toEqual(['web']);
  });

  it('converts health check durations to nanoseconds', () => {
    expect(spec.Healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 500e6, Timeout: 3000e6, Retries: 5, StartPeriod: 10_000e6, StartInterval: 500e6 });
    expect(healthConfig({ test: ['NONE'], intervalMs: 1, timeoutMs: 2, retries: 0 })).not.toHaveProperty('StartPeriod');
  });

  it('checks every second during the start period where Docker knows StartInterval (never slower than the interval)', () => {
    const c = healthConfig({ test: ['CMD', 'true'], intervalMs: 10_000, timeoutMs: 5000, retries: 5, startPeriodMs: 60_000 });
    expect(c).toMatchObject({ Interval: 10_000e6, StartPeriod: 60_000e6, StartInterval: 1000e6 });
    expect(healthConfig({ test: ['CMD', 'true'], intervalMs: 10_000, timeoutMs: 5000, retries: 5 })).not.toHaveProperty('StartInterval');
  });
});

describe('taskContainerSpec', () => {
  const step: PlannedStep = {
    name: 'migrate',
    description: '',
    when: 'create',
    kind: 'run',
    service: 'web',
    phase: 'before-start',
    command: ['migrate'],
    env: { B: '2', A: 'override' },
    secretEnv: [],
  };
  const spec = taskContainerSpec(plan, web, step, 'engawa-x-web-run-1', false);

  it('uses the service definition with the step command and env, as a one-off task', () => {
    expect(spec).toMatchObject({
      name: 'engawa-x-web-run-1',
      Image: 'mirror/web:1',
      Cmd: ['migrate'],
      User: '991',
      Env: ['A=override', 'URL=https://x=y', 'B=2'],
    });
    expect(spec.Labels).toMatchObject({ [LABELS.role]: 'task', [LABELS.oneoff]: 'True', [LABELS.project]: 'engawa-x', [LABELS.service]: 'web' });
    expect(spec.Labels).not.toHaveProperty(LABELS.configHash);
    expect(spec.HostConfig?.Mounts).toHaveLength(1);
  });

  it('gets no ports, no alias, no restart policy and no health check', () => {
    expect(spec.HostConfig?.PortBindings).toBeUndefined();
    expect(spec.HostConfig?.RestartPolicy).toBeUndefined();
    expect(spec.NetworkingConfig).toBeUndefined();
    expect(spec.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(spec.OpenStdin).toBe(false);
    expect(taskContainerSpec(plan, web, step, 'n', true)).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true });
  });
});

describe('ports label and file entries', () => {
  it('round-trips port names', () => {
    expect([...parsePortsLabel(portsLabel(web.ports))]).toEqual([
      [3000, 'http'],
      [4000, 'stream'],
    ]);
    expect(parsePortsLabel(undefined).size).toBe(0);
    expect(parsePortsLabel('junk').size).toBe(0);
  });
  it('makes file paths relative to the root', () => {
    expect(fileEntries(web)).toEqual([{ path: 'app/.env', content: 'K=V', mode: 0o600, uid: 991, gid: 991 }]);
  });
});
