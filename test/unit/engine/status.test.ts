import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  exitCodeFromStatusText,
  healthFromStatusText,
  inspectToServiceStatus,
  isServiceContainer,
  toServiceStatus,
} from '../../../electron/core/engine/status';
import { LABELS } from '../../../electron/core/plan/types';

describe('status text', () => {
  it('reads health from docker ps status text', () => {
    expect(healthFromStatusText('Up 3 minutes (healthy)')).toBe('healthy');
    expect(healthFromStatusText('Up 2 seconds (health: starting)')).toBe('starting');
    expect(healthFromStatusText('Up 1 hour (unhealthy)')).toBe('unhealthy');
    expect(healthFromStatusText('Up 1 hour')).toBe('none');
    expect(healthFromStatusText(undefined)).toBe('none');
  });
  it('reads the exit code', () => {
    expect(exitCodeFromStatusText('Exited (137) 2 seconds ago')).toBe(137);
    expect(exitCodeFromStatusText('Up 1 hour')).toBeUndefined();
  });
});

describe('toServiceStatus', () => {
  const info = (over: Partial<Dockerode.ContainerInfo>): Dockerode.ContainerInfo =>
    ({
      Id: 'abc',
      Names: ['/engawa-x-web-1'],
      Image: 'img:1',
      State: 'running',
      Status: 'Up 5 seconds (healthy)',
      Labels: { [LABELS.service]: 'web', [LABELS.configHash]: 'h', 'app.engawa.ports': 'http:3000,admin:4000' },
      Ports: [
        { IP: '127.0.0.1', PrivatePort: 3000, PublicPort: 49200, Type: 'tcp' },
        { IP: '', PrivatePort: 4000, Type: 'tcp' } as Dockerode.Port,
        { IP: '127.0.0.1', PrivatePort: 9999, PublicPort: 1, Type: 'tcp' },
      ],
      ...over,
    }) as Dockerode.ContainerInfo;

  it('maps a running container, ports by name', () => {
    expect(toServiceStatus(info({}))).toEqual({
      name: 'web',
      containerId: 'abc',
      state: 'running',
      health: 'healthy',
      image: 'img:1',
      configHash: 'h',
      ports: { http: 49200 },
    });
  });
  it('keeps the exit code of an exited container', () => {
    expect(toServiceStatus(info({ State: 'exited', Status: 'Exited (3) 1 minute ago' }))).toMatchObject({ state: 'exited', exitCode: 3, health: 'none' });
  });
  it('tells service containers from tasks and helpers', () => {
    expect(isServiceContainer({ [LABELS.role]: 'service' })).toBe(true);
    expect(isServiceContainer({})).toBe(true);
    expect(isServiceContainer({ [LABELS.role]: 'task' })).toBe(false);
    expect(isServiceContainer({ [LABELS.role]: 'helper' })).toBe(false);
    expect(isServiceContainer({ [LABELS.oneoff]: 'True' })).toBe(false);
  });
});

describe('inspectToServiceStatus', () => {
  const inspected = (state: Record<string, unknown>): Dockerode.ContainerInspectInfo =>
    ({
      Id: 'abc',
      Name: '/engawa-x-web-1',
      Image: 'sha256:1',
      Config: { Image: 'img:1', Labels: { [LABELS.service]: 'web', [LABELS.configHash]: 'h', [LABELS.ports]: 'http:3000' } },
      State: state,
      NetworkSettings: { Ports: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '49200' }], '9000/tcp': null } },
    }) as unknown as Dockerode.ContainerInspectInfo;

  it('reads state, health, hash and named host ports from the container itself', () => {
    expect(inspectToServiceStatus(inspected({ Status: 'running', Health: { Status: 'starting' } }))).toEqual({
      name: 'web',
      containerId: 'abc',
      state: 'running',
      health: 'starting',
      image: 'img:1',
      ports: { http: 49200 },
      configHash: 'h',
    });
  });

  it('ignores the stale health of a stopped container and reports its exit code', () => {
    const s = inspectToServiceStatus(inspected({ Status: 'exited', ExitCode: 137, Health: { Status: 'healthy' } }));
    expect(s).toMatchObject({ state: 'exited', health: 'none', exitCode: 137 });
  });

  it('treats an unknown state as dead and no health check as none', () => {
    expect(inspectToServiceStatus(inspected({ Status: 'weird' }))).toMatchObject({ state: 'dead', health: 'none' });
  });
});
