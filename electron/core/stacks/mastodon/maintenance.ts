/**
 * Mastodon's cache clean-up as recipe data (Recipe.maintenance); see the comment below.
 */
import type { MaintenanceTask } from '../types';

/**
 * The daily clean-up of the remote-media cache (core/watch/maintenance.ts runs each in web, as
 * upstream's docs run tootctl from cron), with the server's days setting N (default 7, as tootctl's own):
 * - `tootctl media remove --days N`: cached copies of other servers' media attachments (and their
 *   thumbnails) older than N days; the posts stay, Mastodon fetches the files again when needed.
 * - `tootctl preview_cards remove --days N`: thumbnails of link previews whose card was last updated
 *   more than N days ago; upstream's help advises against fewer than 14 days (a card is not fetched
 *   again unless the link is posted again after two weeks), hence `minDays: 14`.
 * - `tootctl media remove --prune-profiles --days N`: avatars and headers of remote accounts nobody
 *   here follows or is followed by, last fetched and updated more than N days ago (--days applies to
 *   them too; followed accounts are kept without --include-follows).
 * Each prints one summary line ("Removed 12 media attachments (approx. 3.4 MB)"). Upstream also has
 * Administration → Server settings → Content retention (`media_cache_retention_period`, blank =
 * forever), applied by its daily Scheduler::VacuumScheduler; it lives in the database, so Engawa
 * leaves it to the admin and says so (maintenanceNote). Sources: lib/mastodon/cli/media.rb and
 * preview_cards.rb at the pinned tag, app/workers/scheduler/vacuum_scheduler.rb.
 */
export const mediaCacheTasks: MaintenanceTask[] = [
  {
    id: 'media',
    kind: 'exec',
    service: 'web',
    command: ['bin/tootctl', 'media', 'remove', '--days', '{{days}}'],
    schedule: 'daily',
    volumes: ['media-cache'],
    removes: {
      en: 'copies of other servers’ images and videos older than the days you keep (the posts stay; Mastodon fetches them again when someone opens them)',
      ja: '保存日数より古い、他のサーバーの画像・動画のコピー（投稿は残り、誰かが開くとMastodonが取得し直します）',
    },
  },
  {
    id: 'preview-cards',
    kind: 'exec',
    service: 'web',
    command: ['bin/tootctl', 'preview_cards', 'remove', '--days', '{{days}}'],
    minDays: 14,
    schedule: 'daily',
    volumes: ['media-cache'],
    removes: {
      en: 'thumbnails of link previews (at least 14 days old: Mastodon does not fetch a preview again sooner)',
      ja: 'リンクプレビューのサムネイル（14日以上前のもの。それより早いとMastodonが取得し直さないため）',
    },
  },
  {
    id: 'profiles',
    kind: 'exec',
    service: 'web',
    command: ['bin/tootctl', 'media', 'remove', '--prune-profiles', '--days', '{{days}}'],
    schedule: 'daily',
    volumes: ['media-cache'],
    removes: {
      en: 'avatars and headers of other servers’ accounts nobody here follows or is followed by',
      ja: 'このサーバーの誰ともフォロー関係のない、他のサーバーのアカウントのアイコンとヘッダー画像',
    },
  },
];
