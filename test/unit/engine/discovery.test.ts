import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { candidateEndpoints, engineNotFoundHint, enginePermissionHint, type DiscoveryEnv } from '../../../electron/core/engine/discovery';

/** A machine with the given files (path → content; '' for sockets). */
function machine(opts: { platform: NodeJS.Platform; env?: Record<string, string>; home?: string; uid?: number; files?: Record<string, string> }): DiscoveryEnv {
  const files = opts.files ?? {};
  const e: DiscoveryEnv = {
    platform: opts.platform,
    env: opts.env ?? {},
    home: opts.home ?? (opts.platform === 'win32' ? 'C:\\Users\\aiko' : opts.platform === 'darwin' ? '/Users/aiko' : '/home/aiko'),
    exists: (p) => Object.keys(files).some((f) => f === p || f.startsWith(`${p}/`)),
    readFile: (p) => files[p],
  };
  if (opts.uid !== undefined) e.uid = opts.uid;
  return e;
}

const sha = (name: string) => createHash('sha256').update(name).digest('hex');
const urls = (e: DiscoveryEnv) => candidateEndpoints(e).map((ep) => ep.url);

describe('DOCKER_HOST', () => {
  it('comes first and is kept even when its socket does not exist', () => {
    const eps = candidateEndpoints(machine({ platform: 'linux', env: { DOCKER_HOST: 'unix:///tmp/x/docker.sock' }, files: { '/var/run/docker.sock': '' } }));
    expect(eps[0]).toEqual({ source: 'DOCKER_HOST', url: 'unix:///tmp/x/docker.sock', socketPath: '/tmp/x/docker.sock' });
    expect(eps.map((e) => e.url)).toEqual(['unix:///tmp/x/docker.sock', 'unix:///var/run/docker.sock']);
  });

  it('understands named pipes', () => {
    const [ep] = candidateEndpoints(machine({ platform: 'win32', env: { DOCKER_HOST: 'npipe:////./pipe/custom_engine' } }));
    expect(ep).toMatchObject({ source: 'DOCKER_HOST', socketPath: '//./pipe/custom_engine', url: 'npipe:////./pipe/custom_engine' });
  });

  it('uses TLS with the certificate folder for tcp when DOCKER_TLS_VERIFY is set', () => {
    const [ep] = candidateEndpoints(
      machine({ platform: 'linux', env: { DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } }),
    );
    expect(ep).toEqual({ source: 'DOCKER_HOST', url: 'tcp://10.0.0.5:2376', host: '10.0.0.5', port: 2376, protocol: 'https', tlsDir: '/certs' });
  });

  it('defaults the certificate folder to the Docker config folder and the port to 2376', () => {
    const [ep] = candidateEndpoints(machine({ platform: 'linux', env: { DOCKER_HOST: 'tcp://docker.lan', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: '/etc/dk' } }));
    expect(ep).toMatchObject({ host: 'docker.lan', port: 2376, protocol: 'https', tlsDir: '/etc/dk' });
  });

  it('uses plain http on 2375 without TLS settings, also without a scheme', () => {
    const [ep] = candidateEndpoints(machine({ platform: 'linux', env: { DOCKER_HOST: '127.0.0.1' } }));
    expect(ep).toEqual({ source: 'DOCKER_HOST', url: 'tcp://127.0.0.1:2375', host: '127.0.0.1', port: 2375, protocol: 'http' });
  });

  it('keeps an unusable address with a problem to report instead of dropping it', () => {
    const [ep] = candidateEndpoints(machine({ platform: 'linux', env: { DOCKER_HOST: 'ssh://me@server' } }));
    expect(ep).toMatchObject({ source: 'DOCKER_HOST', url: 'ssh://me@server' });
    expect(ep?.problem).toMatch(/ssh:/);
    expect(ep?.socketPath).toBeUndefined();
    expect(ep?.host).toBeUndefined();
  });

  it('is not listed twice when it names a well-known socket', () => {
    const eps = candidateEndpoints(machine({ platform: 'linux', env: { DOCKER_HOST: 'unix:///var/run/docker.sock' }, files: { '/var/run/docker.sock': '' } }));
    expect(eps).toEqual([{ source: 'DOCKER_HOST', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' }]);
  });
});

describe('docker context', () => {
  const home = '/Users/aiko';
  const meta = (dir: string, name: string, host: string) => ({
    [`${dir}/contexts/meta/${sha(name)}/meta.json`]: JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  });

  it('follows currentContext in config.json, right after DOCKER_HOST', () => {
    const e = machine({
      platform: 'darwin',
      home,
      env: { DOCKER_HOST: 'unix:///tmp/a.sock' },
      files: {
        [`${home}/.docker/config.json`]: JSON.stringify({ auths: {}, currentContext: 'colima' }),
        ...meta(`${home}/.docker`, 'colima', `unix://${home}/.colima/default/docker.sock`),
      },
    });
    expect(candidateEndpoints(e).slice(0, 2)).toEqual([
      { source: 'DOCKER_HOST', url: 'unix:///tmp/a.sock', socketPath: '/tmp/a.sock' },
      { source: 'context:colima', url: `unix://${home}/.colima/default/docker.sock`, socketPath: `${home}/.colima/default/docker.sock` },
    ]);
  });

  it('prefers DOCKER_CONTEXT over config.json and reads DOCKER_CONFIG', () => {
    const e = machine({
      platform: 'linux',
      env: { DOCKER_CONTEXT: 'remote', DOCKER_CONFIG: '/cfg' },
      files: {
        '/cfg/config.json': JSON.stringify({ currentContext: 'other' }),
        ...meta('/cfg', 'remote', 'tcp://192.0.2.7:2375'),
        ...meta('/cfg', 'other', 'unix:///other.sock'),
      },
    });
    expect(candidateEndpoints(e)).toEqual([{ source: 'context:remote', url: 'tcp://192.0.2.7:2375', host: '192.0.2.7', port: 2375, protocol: 'http' }]);
  });

  it('uses the context TLS folder when the context has one', () => {
    const tls = `/cfg/contexts/tls/${sha('secure')}/docker`;
    const e = machine({
      platform: 'linux',
      env: { DOCKER_CONTEXT: 'secure', DOCKER_CONFIG: '/cfg' },
      files: { ...meta('/cfg', 'secure', 'tcp://192.0.2.8:2376'), [`${tls}/ca.pem`]: 'x' },
    });
    expect(candidateEndpoints(e)[0]).toMatchObject({ source: 'context:secure', protocol: 'https', tlsDir: tls });
  });

  it('adds nothing for the "default" context', () => {
    const e = machine({ platform: 'linux', files: { '/home/aiko/.docker/config.json': JSON.stringify({ currentContext: 'default' }) } });
    expect(candidateEndpoints(e)).toEqual([]);
  });

  it('reports a selected context whose metadata is missing', () => {
    const [ep] = candidateEndpoints(machine({ platform: 'linux', env: { DOCKER_CONTEXT: 'gone' } }));
    expect(ep).toMatchObject({ source: 'context:gone' });
    expect(ep?.problem).toMatch(/gone/);
  });

  it('ignores an unreadable config.json', () => {
    const e = machine({ platform: 'linux', files: { '/home/aiko/.docker/config.json': '{not json', '/var/run/docker.sock': '' } });
    expect(urls(e)).toEqual(['unix:///var/run/docker.sock']);
  });
});

describe('macOS', () => {
  const home = '/Users/aiko';
  const all = {
    [`${home}/.docker/run/docker.sock`]: '',
    '/var/run/docker.sock': '',
    [`${home}/.orbstack/run/docker.sock`]: '',
    [`${home}/.colima/default/docker.sock`]: '',
    [`${home}/.colima/docker.sock`]: '',
    [`${home}/.rd/docker.sock`]: '',
    [`${home}/.local/share/containers/podman/machine/podman.sock`]: '',
    '/var/folders/xy/T/podman/podman-machine-default-api.sock': '',
  };

  it('lists every known socket that exists, Docker Desktop first', () => {
    const eps = candidateEndpoints(machine({ platform: 'darwin', home, env: { TMPDIR: '/var/folders/xy/T/' }, files: all }));
    expect(eps.map((e) => [e.source, e.socketPath])).toEqual([
      ['docker-desktop', `${home}/.docker/run/docker.sock`],
      ['default-socket', '/var/run/docker.sock'],
      ['orbstack', `${home}/.orbstack/run/docker.sock`],
      ['colima', `${home}/.colima/default/docker.sock`],
      ['colima', `${home}/.colima/docker.sock`],
      ['rancher-desktop', `${home}/.rd/docker.sock`],
      ['podman', `${home}/.local/share/containers/podman/machine/podman.sock`],
      ['podman', '/var/folders/xy/T/podman/podman-machine-default-api.sock'],
    ]);
  });

  it('skips sockets that do not exist', () => {
    const e = machine({ platform: 'darwin', home, files: { [`${home}/.orbstack/run/docker.sock`]: '' } });
    expect(candidateEndpoints(e)).toEqual([
      { source: 'orbstack', url: `unix://${home}/.orbstack/run/docker.sock`, socketPath: `${home}/.orbstack/run/docker.sock` },
    ]);
  });
});

describe('Windows', () => {
  it('always lists the named pipes, each once', () => {
    expect(candidateEndpoints(machine({ platform: 'win32' }))).toEqual([
      { source: 'default-pipe', url: 'npipe:////./pipe/docker_engine', socketPath: '//./pipe/docker_engine' },
      { source: 'docker-desktop', url: 'npipe:////./pipe/dockerDesktopLinuxEngine', socketPath: '//./pipe/dockerDesktopLinuxEngine' },
      { source: 'podman', url: 'npipe:////./pipe/podman-machine-default', socketPath: '//./pipe/podman-machine-default' },
    ]);
  });

  it('reads the context from the config folder under the Windows home', () => {
    const dir = 'C:\\Users\\aiko\\.docker';
    const e = machine({
      platform: 'win32',
      files: {
        [`${dir}\\config.json`]: JSON.stringify({ currentContext: 'desktop-linux' }),
        [`${dir}\\contexts\\meta\\${sha('desktop-linux')}\\meta.json`]: JSON.stringify({
          Endpoints: { docker: { Host: 'npipe:////./pipe/dockerDesktopLinuxEngine' } },
        }),
      },
    });
    const eps = candidateEndpoints(e);
    expect(eps[0]).toMatchObject({ source: 'context:desktop-linux', socketPath: '//./pipe/dockerDesktopLinuxEngine' });
    expect(eps.filter((ep) => ep.socketPath === '//./pipe/dockerDesktopLinuxEngine')).toHaveLength(1);
  });
});

describe('Linux', () => {
  it('finds rootful, rootless, Docker Desktop and Podman sockets', () => {
    const e = machine({
      platform: 'linux',
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      files: {
        '/var/run/docker.sock': '',
        '/run/user/1000/docker.sock': '',
        '/home/aiko/.docker/desktop/docker.sock': '',
        '/run/user/1000/podman/podman.sock': '',
        '/run/podman/podman.sock': '',
      },
    });
    expect(candidateEndpoints(e).map((ep) => [ep.source, ep.socketPath])).toEqual([
      ['default-socket', '/var/run/docker.sock'],
      ['rootless', '/run/user/1000/docker.sock'],
      ['docker-desktop', '/home/aiko/.docker/desktop/docker.sock'],
      ['podman', '/run/user/1000/podman/podman.sock'],
      ['podman', '/run/podman/podman.sock'],
    ]);
  });

  it('falls back to /run/docker.sock and to /run/user/<uid> without XDG_RUNTIME_DIR', () => {
    const e = machine({ platform: 'linux', uid: 1001, files: { '/run/docker.sock': '', '/run/user/1001/docker.sock': '' } });
    expect(urls(e)).toEqual(['unix:///run/docker.sock', 'unix:///run/user/1001/docker.sock']);
  });

  it('finds nothing on a machine without Docker', () => {
    expect(candidateEndpoints(machine({ platform: 'linux', uid: 1000 }))).toEqual([]);
  });
});

describe('hints', () => {
  it('gives advice that fits each OS', () => {
    expect(engineNotFoundHint('darwin')).toMatch(/Docker Desktop/);
    expect(engineNotFoundHint('win32')).toMatch(/Docker Desktop/);
    expect(engineNotFoundHint('linux')).toMatch(/docker group/);
    expect(engineNotFoundHint('linux')).toMatch(/systemctl start docker/);
    expect(enginePermissionHint('linux')).toMatch(/docker group/);
    expect(enginePermissionHint('win32')).toMatch(/docker-users/);
  });
});
