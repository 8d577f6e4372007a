// An error a service raises for the person using it (not a bug): an HTTP status and a stable code, with a message
// meant to be shown as is. http/errors.ts answers it as `{ error: code, message }`; the services stay free of HTTP.
export class ServiceError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
