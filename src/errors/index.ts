export { ErrorCode } from './codes.js';
export { GatewayError, BadUserInputError, NotFoundError, PayloadTooLargeError } from './gateway-error.js';
export { createFormatError } from './format-error.js';
export { UnreachableCaseError } from './unreachable.js';
