import { z } from 'zod';
import { ProblemError, type ProblemDetailItem } from '@praesidium/problem';
import {
  ACTIONS,
  OPERATORS,
  ROLES,
  SUBJECT_FIELDS,
  LIST_PLACEHOLDERS,
  PLACEHOLDERS,
  isPlaceholder,
  type Action,
  type SubjectName,
} from './policy-vocabulary.js';

export const POLICY_FORMAT = 'praesidium.policy/v1';

const literal = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const ruleSchema = z
  .object({
    action: z.string().min(1),
    subject: z.string().min(1),
    conditions: z.record(z.string(), z.unknown()).optional(),
    fields: z.array(z.string().min(1)).min(1).optional(),
    inverted: z.boolean().optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();

const documentSchema = z
  .object({
    format: z.literal(POLICY_FORMAT),
    description: z.string().max(2000).optional(),
    roles: z.partialRecord(z.enum(ROLES), z.array(ruleSchema).max(200)),
  })
  .strict();

/** One rule of a role: CASL's raw rule with placeholders in its condition values. */
export interface PolicyRule {
  readonly action: Action;
  readonly subject: SubjectName;
  readonly conditions?: Readonly<Record<string, unknown>>;
  readonly fields?: readonly string[];
  /** A `cannot` rule: it takes away what an earlier rule of the same role gave. */
  readonly inverted?: boolean;
  readonly reason?: string;
}

/** An access policy as data: per role, the rules CASL builds its abilities from. */
export interface PolicyDocument {
  readonly format: typeof POLICY_FORMAT;
  readonly description?: string;
  readonly roles: Readonly<Partial<Record<(typeof ROLES)[number], readonly PolicyRule[]>>>;
}

/**
 * A policy document checked in two passes: its shape (zod), then its meaning (every action, subject,
 * field, condition key, operator and placeholder is one the platform knows). Anything else is refused
 * with `policy.invalid` and the JSON pointer of each problem, so a typo never becomes a silent deny (or
 * a silent allow) in production.
 */
export function parsePolicyDocument(input: unknown): PolicyDocument {
  const parsed = documentSchema.safeParse(input);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => ({ path: pointer(issue.path), message: issue.message })),
    );
  }
  const problems: ProblemDetailItem[] = [];
  for (const [role, rules] of Object.entries(parsed.data.roles)) {
    rules?.forEach((rule, index) => problems.push(...ruleProblems(rule, ['roles', role, index])));
  }
  problems.push(...lockoutProblems(parsed.data.roles));
  if (problems.length > 0) throw invalid(problems);
  return parsed.data as PolicyDocument;
}

/**
 * A policy under which nobody may propose or approve the next version could never be corrected
 * through the API: refuse it rather than lock the site out of its own access control.
 */
function lockoutProblems(roles: z.infer<typeof documentSchema>['roles']): ProblemDetailItem[] {
  const rules = Object.values(roles).flatMap((list) => list ?? []);
  const grants = (action: string) =>
    rules.some(
      (rule) =>
        !rule.inverted &&
        !rule.conditions &&
        (rule.action === action || rule.action === 'manage') &&
        (rule.subject === 'Policy' || rule.subject === 'all'),
    );
  return (['propose', 'approve'] as const)
    .filter((action) => !grants(action))
    .map((action) => ({
      path: '/roles',
      message: `no role may ${action} a Policy unconditionally: the policy could never be changed again`,
    }));
}

function ruleProblems(
  rule: z.infer<typeof ruleSchema>,
  at: readonly (string | number)[],
): ProblemDetailItem[] {
  const problems: ProblemDetailItem[] = [];
  const problem = (path: readonly (string | number)[], message: string) =>
    problems.push({ path: pointer([...at, ...path]), message });
  if (!(ACTIONS as readonly string[]).includes(rule.action))
    problem(['action'], `unknown action; expected one of ${ACTIONS.join(', ')}`);
  if (!Object.hasOwn(SUBJECT_FIELDS, rule.subject)) {
    problem(['subject'], `unknown subject; expected one of ${Object.keys(SUBJECT_FIELDS).join(', ')}`);
    return problems;
  }
  const known: readonly string[] = SUBJECT_FIELDS[rule.subject as SubjectName];
  rule.fields?.forEach((field, i) => {
    if (!known.includes(field)) problem(['fields', i], `unknown field of ${rule.subject}`);
  });
  for (const [key, value] of Object.entries(rule.conditions ?? {})) {
    if (!known.includes(key)) {
      problem(['conditions', key], `unknown field of ${rule.subject}`);
      continue;
    }
    for (const [path, message] of conditionValueProblems(value))
      problem(['conditions', key, ...path], message);
  }
  return problems;
}

type Problems = [string[], string][];

/**
 * A condition value is one value (a literal or a one-value placeholder) or an operator object:
 * `$eq`/`$ne` take one value, `$in`/`$nin` a list of literals or a list placeholder. Anything else would
 * only fail, or mean something else, when CASL first evaluates it.
 */
function conditionValueProblems(value: unknown): Problems {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [[[], 'an operator object needs an operator']];
    return entries.flatMap(([operator, operand]): Problems => {
      if (!(OPERATORS as readonly string[]).includes(operator))
        return [[[operator], `unknown operator; expected one of ${OPERATORS.join(', ')}`]];
      const message =
        operator === '$in' || operator === '$nin' ? listProblem(operand) : singleProblem(operand);
      return message ? [[[operator], message]] : [];
    });
  }
  const message = singleProblem(value);
  return message ? [[[], message]] : [];
}

function singleProblem(value: unknown): string | undefined {
  if (isPlaceholder(value))
    return LIST_PLACEHOLDERS.includes(value) ? `${value} is a list: compare with $in or $nin` : undefined;
  if (typeof value === 'string' && value.includes('${')) return UNKNOWN_PLACEHOLDER;
  if (isLiteral(value)) return undefined;
  return Array.isArray(value)
    ? 'a list: compare with $in or $nin'
    : 'expected a literal, a ${principal.…} placeholder or an operator object';
}

function listProblem(value: unknown): string | undefined {
  if (isPlaceholder(value))
    return LIST_PLACEHOLDERS.includes(value) ? undefined : `${value} is one value: use a list or $eq`;
  if (typeof value === 'string' && value.includes('${')) return UNKNOWN_PLACEHOLDER;
  return Array.isArray(value) && value.every(isLiteral)
    ? undefined
    : 'expected a list of literals or a list placeholder';
}

const UNKNOWN_PLACEHOLDER = `unknown placeholder; expected one of ${Object.keys(PLACEHOLDERS).join(', ')}`;

/** A JSON literal that is not a placeholder in disguise. */
function isLiteral(value: unknown): boolean {
  return literal.safeParse(value).success && !(typeof value === 'string' && value.includes('${'));
}

function invalid(problems: readonly ProblemDetailItem[]): ProblemError {
  return new ProblemError('policy.invalid', `${problems.length} problem(s) in the policy document`, problems);
}

/** RFC 6901 JSON pointer of a path. */
function pointer(path: readonly PropertyKey[]): string {
  return `/${path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}
