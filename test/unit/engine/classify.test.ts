import { describe, expect, it } from 'vitest';
import { EngawaError, type ErrorCode } from '../../../electron/core/util/errors';
import { classifyEngineError, classifyPullError } from '../../../electron/core/engine/classify';

const IMAGE = 'example/app:1.0';

/** An error shaped like the ones docker-modem rejects with for an HTTP status. */
function httpError(statusCode: number, reason: string, message: string, withJson = true): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${reason} - ${message} `), {
    statusCode,
    reason,
    json: withJson ? { message } : null,
  });
}

/** An error shaped like Node's socket errors. */
function socketError(code: string, address = '/var/run/docker.sock'): Error {
  return Object.assign(new Error(`connect ${code} ${address}`), { code, errno: -1, syscall: 'connect', address });
}

function expectPlainSentence(e: EngawaError): void {
  expect(e.message).toMatch(/^[A-Z][^\n]*\.$/);
  expect(e.message).not.toContain('(HTTP code');
}

describe('classifyPullError', () => {
  const cases: [string, unknown, ErrorCode][] = [
    [
      'DNS failure for the registry (the engine answers 500 before any stream)',
      httpError(500, 'server error', 'Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid on 127.0.0.53:53: no such host', false),
      'OFFLINE',
    ],
    [
      'registry connection refused',
      httpError(500, 'server error', 'Get "https://registry.invalid/v2/": dial tcp 192.0.2.10:443: connect: connection refused', false),
      'OFFLINE',
    ],
    [
      'registry timeout',
      httpError(
        500,
        'server error',
        'Get "https://registry.invalid/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
        false,
      ),
      'OFFLINE',
    ],
    ['unknown tag', httpError(404, 'not found', 'manifest for example/app:9.9 not found: manifest unknown: manifest unknown', false), 'IMAGE_MISSING'],
    [
      'bad credentials',
      httpError(500, 'server error', 'Head "https://registry.invalid/v2/example/app/manifests/1.0": unauthorized: incorrect username or password', false),
      'IMAGE_DENIED',
    ],
    [
      'rate limit',
      httpError(
        500,
        'server error',
        'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading',
        false,
      ),
      'IMAGE_DENIED',
    ],
    [
      'disk full while extracting (stream error object)',
      {
        errorDetail: { message: 'failed to register layer: write /usr/lib/libLLVM-15.so.1: no space left on device' },
        error: 'failed to register layer: write /usr/lib/libLLVM-15.so.1: no space left on device',
      },
      'DISK_FULL',
    ],
    ['cancelled by the user', Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }), 'CANCELLED'],
  ];

  for (const [name, err, code] of cases) {
    it(`${name} → ${code}`, () => {
      const e = classifyPullError(err, IMAGE);
      expect(e).toBeInstanceOf(EngawaError);
      expect(e.code).toBe(code);
      expectPlainSentence(e);
      expect(e.message).toContain(IMAGE);
      expect(e.details?.image).toBe(IMAGE);
    });
  }

  it('keeps the engine message without the dockerode prefix in details', () => {
    const e = classifyPullError(
      httpError(500, 'server error', 'Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host', false),
      IMAGE,
    );
    expect(e.details?.engineMessage).toBe('Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host');
    expect(e.details?.statusCode).toBe(500);
  });

  it('treats "pull access denied" as a missing image with a login hint', () => {
    const e = classifyPullError(
      httpError(
        404,
        'not found',
        "pull access denied for example/nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
        false,
      ),
      'example/nope:1',
    );
    expect(e.code).toBe('IMAGE_MISSING');
    expect(e.message).toMatch(/docker login/);
    expect(e.details?.hint).toMatch(/docker login/);
  });

  it('hands engine socket failures to the engine classifier', () => {
    expect(classifyPullError(socketError('ECONNREFUSED'), IMAGE).code).toBe('ENGINE_UNREACHABLE');
  });

  it('returns our own errors unchanged', () => {
    const ours = new EngawaError('TIMEOUT', 'Downloading took too long.');
    expect(classifyPullError(ours, IMAGE)).toBe(ours);
  });

  it('falls back to INTERNAL with the engine text for anything else', () => {
    const e = classifyPullError(httpError(500, 'server error', 'unexpected EOF', false), IMAGE);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain('unexpected EOF');
  });
});

describe('classifyEngineError', () => {
  it('maps a missing socket and a refused connection to ENGINE_UNREACHABLE', () => {
    for (const code of ['ENOENT', 'ECONNREFUSED']) {
      const e = classifyEngineError(socketError(code));
      expect(e.code).toBe('ENGINE_UNREACHABLE');
      expect(e.details?.errno).toBe(code);
      expectPlainSentence(e);
    }
  });

  it('maps EACCES to ENGINE_PERMISSION with the advice for the OS', () => {
    const linux = classifyEngineError(socketError('EACCES'), 'linux');
    expect(linux.code).toBe('ENGINE_PERMISSION');
    expect(linux.message).toMatch(/docker group/);
    expectPlainSentence(linux);
    expect(classifyEngineError(socketError('EACCES', '//./pipe/docker_engine'), 'win32').message).toMatch(/docker-users/);
  });

  it('recognises a program that does not speak HTTP', () => {
    const e = classifyEngineError(Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' }));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
    expect(e.message).toMatch(/not a Docker engine/);
  });

  const cases: [string, Error, ErrorCode][] = [
    ['no space', httpError(500, 'server error', 'mkdir /var/lib/docker/volumes/x/_data: no space left on device'), 'DISK_FULL'],
    [
      'name in use',
      httpError(
        409,
        'conflict',
        'Conflict. The container name "/engawa-x-db-1" is already in use by container "4f2a". You have to remove (or rename) that container to be able to reuse that name.',
      ),
      'NAME_TAKEN',
    ],
    [
      'running container',
      httpError(409, 'conflict', 'You cannot remove a running container 4f2a. Stop the container before attempting removal or force remove'),
      'STATE',
    ],
    ['no such container', httpError(404, 'no such container', 'No such container: 4f2a'), 'NOT_FOUND'],
    [
      'port taken',
      httpError(
        500,
        'server error',
        'driver failed programming external connectivity on endpoint engawa-x-web-1 (1a2b): Bind for 127.0.0.1:8080 failed: port is already allocated',
      ),
      'PORT_IN_USE',
    ],
    ['pinned API too new', httpError(400, 'bad parameter', 'client version 1.44 is too new. Maximum supported API version is 1.41'), 'ENGINE_TOO_OLD'],
    ['anything else', httpError(500, 'server error', 'something odd happened'), 'INTERNAL'],
  ];

  for (const [name, err, code] of cases) {
    it(`${name} → ${code}`, () => {
      const e = classifyEngineError(err);
      expect(e.code).toBe(code);
      expectPlainSentence(e);
      expect(e.details?.engineMessage).toBe((err as unknown as { json: { message: string } }).json.message);
    });
  }

  it('does not end a message with two full stops', () => {
    expect(classifyEngineError(httpError(404, 'not found', 'No such image: x:1.')).message).not.toMatch(/\.\.$/);
  });
});
