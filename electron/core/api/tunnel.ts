/**
 * The `tunnel.*` methods of the contract and the tunnel choice of `instances.create`: the token
 * page, a check of a pasted API token, what a tunnel would route, and a tunnel's health. Tokens go
 * from the input to Cloudflare or the secret store only; no answer, error or log line carries one.
 */
import type { ApiInput, TunnelChoiceInput, TunnelPreview, TunnelStatusInfo, TunnelTokenPage } from '../../shared/contract';
import { EngawaError } from '../util/errors';
import { plan as makePlan } from '../stacks/plan';
import { generateSecrets } from '../stacks/secrets';
import { validateDomain } from '../stacks/validate';
import { CloudflareApi } from '../tunnel/api';
import { PERMISSIONS } from '../tunnel/api-errors';
import { CONNECTOR_SERVICE } from '../tunnel/connector';
import { probeUrl, tunnelHealth, type Probe } from '../tunnel/health';
import { buildIngress, ingressHostnames } from '../tunnel/ingress';
import { apiFor } from '../tunnel/instance-tunnel';
import { dashboardRoutes } from '../tunnel/token';
import { tokenPageUrl } from '../tunnel/token-page';
import type { TunnelInput } from '../tunnel/types';
import { verifyApiToken } from '../tunnel/verify';
import type { Services } from './wiring';
import type { Handlers } from './types';

type TunnelMethod = 'tunnel.tokenPage' | 'tunnel.verifyToken' | 'tunnel.preview' | 'tunnel.status';

/** The handlers of the tunnel methods. `probe` replaces the HTTPS probe of the public URL (tests). */
export function tunnelHandlers(services: Services, opts: { probe?: Probe } = {}): Pick<Handlers, TunnelMethod> {
  const { manager, recipes } = services;
  const cloudflare = services.tunnel?.cloudflare ?? {};
  const edge = services.tunnel?.edge;
  const probe = opts.probe ?? probeUrl(edge !== undefined ? { edge } : {});

  return {
    'tunnel.tokenPage': async (): Promise<TunnelTokenPage> => ({
      url: tokenPageUrl(),
      checklist: (['tunnel', 'dns', 'zone'] as const).map((permission) => ({ permission, label: PERMISSIONS[permission] })),
    }),

    'tunnel.verifyToken': async ({ apiToken }) => verifyApiToken(new CloudflareApi(apiToken, cloudflare)),

    'tunnel.preview': async (input) => previewOf(recipes.get(input.stack), input),

    'tunnel.status': async ({ name }): Promise<TunnelStatusInfo> => {
      const record = await manager.get(name);
      const tunnel = record.tunnel;
      if (tunnel === null) {
        throw new EngawaError('STATE', `"${name}" has no tunnel: it was created for this computer only, and the tunnel is chosen when a server is created.`, {
          name,
        });
      }
      if (services.secrets === undefined) throw new EngawaError('INTERNAL', 'The tunnel status needs the secret store, and none was given.');
      const secrets = await services.secrets.get(name);
      const plan = await manager.planFor(name);
      const containers = await (await services.engine()).status(plan.project);
      const health = await tunnelHealth({
        tunnel,
        connector: containers.find((s) => s.name === CONNECTOR_SERVICE),
        ...(tunnel.mode === 'api' && { api: apiFor(secrets, { cloudflare }) }),
        healthPath: plan.web.healthPath,
        probe,
      });
      return { mode: tunnel.mode, ...health, ...(tunnel.mode === 'token' && { routes: dashboardRoutes(buildIngress(plan)) }) };
    },
  };
}

/** What a tunnel would route for a new server: its plan's ingress, made with throw-away secrets. */
function previewOf(recipe: Parameters<typeof makePlan>[0], input: ApiInput<'tunnel.preview'>): TunnelPreview {
  const domain = validateDomain(input.domain);
  const p = makePlan(recipe, { instance: 'preview', domain, secrets: generateSecrets(recipe, {}, {}), settings: { ...input.settings } });
  const config = buildIngress(p);
  return { publicHost: p.web.publicHost, hostnames: ingressHostnames(config), routes: dashboardRoutes(config) };
}

/** The contract's tunnel choice as the instance manager takes it. */
export function toTunnelInput(choice: TunnelChoiceInput | undefined): TunnelInput {
  if (choice === undefined || choice.mode === 'none') return 'none';
  if (choice.mode === 'api')
    return { mode: 'api', apiToken: choice.apiToken, zone: choice.zone, ...(choice.hostname !== undefined && { hostname: choice.hostname }) };
  if (choice.mode === 'token') return { mode: 'token', connectorToken: choice.tunnelToken, hostname: choice.hostname };
  return { mode: 'login', ...(choice.hostname !== undefined && { hostname: choice.hostname }) };
}
