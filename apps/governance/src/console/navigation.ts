import type { Action, AppAbility, SubjectName } from '@praesidium/access';

/** One entry of the console's navigation: shown when the signed-in user's policy allows its action. */
export interface NavEntry {
  readonly href: string;
  readonly label: string;
  readonly section: string;
  readonly requires: readonly (readonly [Action, SubjectName])[];
}

/**
 * The pages of the console, grouped by the persona who uses them. An entry appears when the CASL
 * ability of the user (under the policy in force) allows any of its `requires`; the API checks again
 * on every call, so hiding an entry is convenience, never the control. Each page group adds its own.
 */
const ENTRIES: NavEntry[] = [];

export function addNavEntries(entries: readonly NavEntry[]): void {
  for (const entry of entries) if (!ENTRIES.some((known) => known.href === entry.href)) ENTRIES.push(entry);
}

export interface NavSection {
  readonly section: string;
  readonly entries: readonly { href: string; label: string; current: boolean }[];
}

/** The navigation for this user, the current page marked (aria-current). */
export function navigationFor(ability: AppAbility, currentPath: string): NavSection[] {
  const sections = new Map<string, { href: string; label: string; current: boolean }[]>();
  for (const entry of ENTRIES) {
    if (!entry.requires.some(([action, subject]) => ability.can(action, subject))) continue;
    const list = sections.get(entry.section) ?? [];
    list.push({
      href: entry.href,
      label: entry.label,
      current: currentPath === entry.href || currentPath.startsWith(`${entry.href}/`),
    });
    sections.set(entry.section, list);
  }
  return [...sections].map(([section, entries]) => ({ section, entries }));
}
