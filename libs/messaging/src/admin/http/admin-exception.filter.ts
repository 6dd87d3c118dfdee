import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { CapabilityNotSupportedError, InvalidArgumentError, InvalidNameError, MessagingError, QueueInUseError, QueueNotFoundError } from '../../errors.js';

/** The library's errors as HTTP statuses: bad input 400, an unknown queue 404, a conflict 409, a missing capability 501. */
function statusOf(error: MessagingError): number {
  if (error instanceof InvalidArgumentError || error instanceof InvalidNameError) return 400;
  if (error instanceof QueueNotFoundError) return 404;
  if (error instanceof QueueInUseError) return 409;
  if (error instanceof CapabilityNotSupportedError) return 501;
  return 500;
}

/** Answers the admin API's errors as `{ statusCode, error, message }`; what is not the library's goes to Nest. */
@Catch(MessagingError, HttpException)
export class AdminExceptionFilter implements ExceptionFilter {
  catch(error: MessagingError | HttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    if (error instanceof HttpException) {
      response.status(error.getStatus()).json(error.getResponse());
      return;
    }
    const statusCode = statusOf(error);
    response.status(statusCode).json({ statusCode, error: error.code, message: error.message });
  }
}
