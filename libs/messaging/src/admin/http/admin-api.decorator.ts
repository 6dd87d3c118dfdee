import { applyDecorators, Controller, UseFilters, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../auth/admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';

/** A controller of the admin API: under `<prefix>/api/`, behind the token guard, with the library's errors as statuses. */
export const AdminApi = (path: string) => applyDecorators(Controller(`api/${path}`), UseGuards(AdminAuthGuard), UseFilters(AdminExceptionFilter));

/** The broker as the admin controllers inject it (MessagingModule's, with the administration methods). */
export const ADMIN_BROKER = Symbol('MESSAGING_ADMIN_BROKER');
