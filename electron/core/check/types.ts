/**
 * The outside-in check ("Can the world reach me?"): its result, a stable JSON shape the CLI prints
 * and the app shows, and the transport every request goes through (injectable: tests send the
 * requests to a loopback front instead of the internet).
 */
import type { CheckAgent } from '../stacks/types';

/** An item passed, failed, or could not be checked (a relay that does not answer, a step that needed an earlier one). */
export type ItemPass = true | false | 'unknown';

/** What was asked and what came back, for the curious (the body's first 300 characters, secrets redacted). */
export interface ItemDetails {
  request: { method: string; url: string; as: CheckAgent } | null;
  status: number | null;
  contentType: string | null;
  bodyExcerpt: string | null;
}

export interface CheckItem {
  /** stable: the probe's id (`<id>:<did>` per account), or one of the items every stack has (tunnel, dns, clock, …) */
  id: string;
  /** 'note': something to know, not a test (e.g. the upload limit) */
  kind: 'check' | 'note';
  pass: ItemPass;
  /** a stable key for what the message says (the app translates it): the failure's advice when it failed */
  adviceKey: string;
  /** one plain English sentence: what is wrong and the fix, or what works */
  message: string;
  details: ItemDetails;
}

export interface CheckResult {
  version: 1;
  instance: string;
  stack: string;
  /** https://<public host>, null without a tunnel */
  publicUrl: string | null;
  /** ISO time the check began */
  checkedAt: string;
  durationMs: number;
  /** no item failed */
  ok: boolean;
  counts: { passed: number; failed: number; unknown: number };
  items: CheckItem[];
}

/** How a connection's certificate was seen: verified by a real TLS connection, failed, or not checked (plain HTTP). */
export type TlsInfo =
  { kind: 'verified'; validTo?: string; issuer?: string } | { kind: 'failed'; code: string; message: string } | { kind: 'not-checked'; reason: string };

export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export type TransportAnswer =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; tls: TlsInfo }
  | { kind: 'error'; code: string; message: string; tls?: TlsInfo };

/** Makes one request; never throws (a failure is an 'error' answer). */
export type Transport = (req: TransportRequest) => Promise<TransportAnswer>;

/** What the check needs to know of an instance (see target.ts). */
export interface CheckTarget {
  name: string;
  stack: string;
  domain: string;
  /** named hosts of the plan (e.g. pds → pds.example.com) */
  hosts: Record<string, string>;
  /** the web service's public host and health path; publicHost null without a tunnel */
  publicHost: string | null;
  healthPath: string;
  /** the instance's public names as its ingress routes them ('*.example.com' for a wildcard) */
  names: string[];
  /** the admin account's user name, when there is one */
  admin?: string;
  /** the PLC directory's base URL (PDS) */
  plcUrl?: string;
  /** the relays' base URLs (PDS); the first is checked */
  relays: string[];
  /** values never to show (the instance's secrets) */
  secrets: string[];
}
