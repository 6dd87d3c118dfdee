// `npm run token -- <customerId> [seconds]`: a bearer token for the order API of npm start (or of compose, with
// ORDER_API_JWT_SECRET_FILE=secrets/order_api_jwt_secret), valid for an hour unless told otherwise:
//   curl -H "Authorization: Bearer $(npm run -s token -- cust-1)" localhost:3000/orders
import { signCustomerToken } from '../apps/order-api/src/auth/customer-token.js';
import { developmentAuth } from './system/dev-secrets.js';

const [customerId, seconds] = process.argv.slice(2);
if (!customerId || (seconds !== undefined && !/^\d{1,7}$/.test(seconds))) {
  console.error('Usage: npm run token -- <customerId> [seconds, default 3600]');
  process.exit(1);
}
try {
  console.log(signCustomerToken(developmentAuth(), customerId, seconds ? { expiresInSeconds: Number(seconds) } : {}));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
