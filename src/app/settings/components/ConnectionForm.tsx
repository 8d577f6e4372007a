import { Alert, Button, Flex, Input, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { CreateConnectionRequest, CreateConnectionResponse } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { paths } from '../paths';

type Field = keyof CreateConnectionRequest;

interface ConnectionFormProps {
  portalId: number;
  notify: Notify;
  onSaved: (response: CreateConnectionResponse) => void;
}

const EMPTY: CreateConnectionRequest = { baseUrl: '', organizer: '', apiToken: '' };

const REQUIRED: Record<Field, string> = {
  baseUrl: 'Enter the address of your pretix, e.g. https://pretix.eu',
  organizer: 'Enter the short form of the organizer (as in its pretix URL)',
  apiToken: 'Enter an API token of the organizer',
};

/** pretix URL, organizer and API token; the receiver tests them against pretix before saving. */
export const ConnectionForm = ({ portalId, notify, onSaved }: ConnectionFormProps) => {
  const [values, setValues] = useState<CreateConnectionRequest>(EMPTY);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const { busy, run } = useAction(portalId);

  const change = (field: Field) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setFieldErrors((current) => ({ ...current, [field]: undefined }));
  };

  const save = async () => {
    setFormError(null);
    // Blank fields need no round trip to pretix; everything else is checked by the receiver.
    const missing = (Object.keys(REQUIRED) as Field[]).filter((field) => !values[field].trim());
    if (missing.length > 0) {
      setFieldErrors(Object.fromEntries(missing.map((field) => [field, REQUIRED[field]])));
      return;
    }
    try {
      const response = await run<CreateConnectionResponse>('POST', paths.connections, { ...values });
      setValues(EMPTY);
      setFieldErrors({});
      notify({ type: 'success', message: `Connected to pretix organizer ${response.connection.organizer}.` });
      onSaved(response);
    } catch (error) {
      const receiverError = toReceiverError(error);
      const placed: Partial<Record<Field, string>> = {};
      for (const field of Object.keys(EMPTY) as Field[]) {
        const message = receiverError.fieldErrors[field];
        if (message) placed[field] = message;
      }
      setFieldErrors(placed);
      // Only say it above the form when no field carries the reason.
      if (Object.keys(placed).length === 0) setFormError(receiverError.message);
    }
  };

  const fieldProps = (field: Field) => ({
    name: field,
    value: values[field],
    onChange: change(field),
    error: Boolean(fieldErrors[field]),
    validationMessage: fieldErrors[field],
    testId: `connection-${field}`,
  });

  return (
    <Flex direction="column" gap="sm" testId="connection-form">
      <Text>
        Connect a pretix organizer. Create an API token in pretix (Organizer → Teams → a team with access to all events
        and the permission to view orders → API tokens).
      </Text>
      {formError && (
        <Alert title="The connection was not saved" variant="danger" testId="connection-form-error">
          {formError}
        </Alert>
      )}
      <Input label="pretix URL" placeholder="https://pretix.eu" required {...fieldProps('baseUrl')} />
      <Input label="Organizer short form" placeholder="acmecorp" required {...fieldProps('organizer')} />
      <Input label="API token" type="password" required {...fieldProps('apiToken')} />
      <Button variant="primary" onClick={() => void save()} disabled={busy} testId="connection-save">
        {busy ? 'Testing…' : 'Test and save'}
      </Button>
    </Flex>
  );
};
