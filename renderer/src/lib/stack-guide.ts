/**
 * What the wizard says about each shipped network beyond its recipe: how long a post may be, what
 * it is like (the catalogue's `stacks.<id>.*` texts) and who makes up the admin's password.
 * Stacks not listed here (test recipes, later ones) show their recipe summary only, and Engawa
 * makes up their password and shows it once at the end.
 */
export interface StackGuide {
  /** the longest post, in characters */
  postLength: number;
  /**
   * 'wizard': the wizard suggests a strong password and sends it;
   * 'server': the server makes it up (Mastodon's tootctl) and the end screen shows it once
   */
  password: 'wizard' | 'server';
}

export const STACK_GUIDES: Readonly<Record<string, StackGuide>> = {
  mastodon: { postLength: 500, password: 'server' },
  misskey: { postLength: 3000, password: 'wizard' },
  bluesky: { postLength: 300, password: 'wizard' },
};

/** The stacks with a `stacks.<id>` section in the catalogues. */
export const GUIDED_STACKS = Object.keys(STACK_GUIDES);
