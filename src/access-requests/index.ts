// Access requests: ask another agency for a service; its admin approves (creating the grant) or rejects.
export { accessRequestsContext, createRequest, getRequest, listRequests, approveRequest, rejectRequest, withdrawRequest, STATES,
  type AccessRequestsCtx, type AccessRequestView, type GrantFn, type GrantInput, type NewRequest, type RequestState } from './requests.js';
export { accessRequestRoutes, type AccessRequestRoutesOptions } from './routes.js';
export { accessRequestsPlugin } from './plugin.js';
