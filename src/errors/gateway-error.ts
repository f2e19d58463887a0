import { GraphQLError } from 'graphql';
import { ErrorCode } from './codes.js';

/** A client-facing error: its message and extensions reach the client as they are. */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.code = code;
    this.name = 'GatewayError';
  }
}

export class BadUserInputError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions);
  }
}

export class NotFoundError extends GatewayError {
  constructor(what: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} not found`, { id });
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(what: string, limitBytes: number) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, `${what} is larger than the limit of ${limitBytes} bytes`, { limitBytes });
  }
}
