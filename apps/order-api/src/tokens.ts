export const ORDER_API_CONFIG = Symbol('ORDER_API_CONFIG');
