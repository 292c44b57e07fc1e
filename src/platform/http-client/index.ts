export { createHttpClient, HttpTimeoutError, HttpNetworkError, HttpCallRefusedError } from './http-client.js';
export type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse, RetryPolicy, CallRecord, HttpExchange } from './http-client.js';
export { RateGovernor, DailyBudgetExhaustedError } from './rate-governor.js';
export type { RateBudget, ServerRateState } from './rate-governor.js';
export { createUrlGuard, isRefusedAddress, UrlNotAllowedError } from './url-guard.js';
export type { UrlGuard, UrlGuardOptions, UrlCheck, UrlRefusalReason, HostResolver, ResolvedAddress } from './url-guard.js';
export { createGuardedSender } from './guarded-sender.js';
export type { GuardedSender, GuardedSenderOptions } from './guarded-sender.js';
