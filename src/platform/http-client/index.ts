export { createHttpClient, HttpTimeoutError, HttpNetworkError, HttpCallRefusedError } from './http-client.js';
export type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse, RetryPolicy, CallRecord, HttpExchange } from './http-client.js';
export { RateGovernor, DailyBudgetExhaustedError } from './rate-governor.js';
export type { RateBudget, ServerRateState } from './rate-governor.js';
