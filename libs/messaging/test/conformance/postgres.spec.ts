// The conformance suite on the PostgreSQL driver: on the machine's server when DATABASE_URL is set, on the
// embedded server the Jest global setup starts when it is not (.ci/run runs `npm test` both ways).
import { describeDriverConformance } from '../../testing/index.js';
import { postgresDriverFactory } from './postgres-driver.js';

describeDriverConformance('postgres', postgresDriverFactory);
