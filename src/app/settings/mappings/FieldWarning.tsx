import { Tag } from '@hubspot/ui-extensions';

/** pretix's ⚠ for a source field whose type does not fit the HubSpot property. */
export const FieldWarning = ({ message, testId }: { message: string | undefined; testId: string }) =>
  message ? (
    <Tag variant="warning" testId={testId}>
      ⚠ {message}
    </Tag>
  ) : null;

/** The first warning for a row or field key: exact match or any sub-path of it. */
export function warningFor(warnings: Readonly<Record<string, string>>, key: string): string | undefined {
  if (warnings[key]) return warnings[key];
  const nested = Object.keys(warnings).find((candidate) => candidate.startsWith(`${key}.`));
  return nested ? warnings[nested] : undefined;
}
