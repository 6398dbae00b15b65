// The runtime's admin API, called with the console's session cookie (never a key in a URL or in
// page storage), and the DOM helpers every page builds with: values from the API only ever
// become text nodes, never HTML.

export class APIError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let sessionEnded = () => {};

/** Called when an API call answers 401: the session expired or was signed out. */
export function onSessionEnded(handler) {
  sessionEnded = handler;
}

/** One JSON call. Same-origin fetch: the browser sends the cookie and, for writes, Origin. */
export async function api(method, path, body, { quietAuth = false } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new APIError(0, 'network', 'the runtime did not answer: ' + error.message);
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.error_description) || response.statusText || 'request failed';
    const error = new APIError(response.status, data && data.error, message, response.headers.get('Retry-After'));
    if (response.status === 401 && !quietAuth) sessionEnded(error);
    throw error;
  }
  return data;
}

/** A query string from an object, leaving out empty values. */
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

/**
 * An element: `h('td', {class: 'x'}, 'text', child)`. Strings and numbers become text nodes;
 * attributes are set one by one, and inline handlers or styles are refused (the page's
 * Content-Security-Policy would block them anyway).
 */
export function h(tag, attributes, ...children) {
  const element = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (/^on/i.test(name) || name === 'style') throw new Error('refusing attribute ' + name);
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replaces an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

/** Dollars from whole nano-dollars, with as many decimals as small amounts need. */
export function usd(nano) {
  const value = Number(nano || 0) / 1e9;
  if (value === 0) return '$0';
  const digits = Math.abs(value) >= 100 ? 2 : Math.abs(value) >= 1 ? 4 : 6;
  return '$' + value.toFixed(digits).replace(/(\.\d*?[1-9])0+$/, '$1').replace(/\.0+$/, '');
}

/** An exact decimal dollar string from the API (`max_budget_usd`), as shown. */
export function dollars(value) {
  return value === undefined || value === null ? '' : '$' + String(value);
}

export function count(value) {
  return Number(value || 0).toLocaleString('en-US');
}

/** `YYYY-MM-DD HH:MM` UTC from Unix seconds. */
export function time(seconds) {
  if (!seconds) return '';
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** The UTC day `YYYY-MM-DD` of Unix seconds. */
export function day(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The last `days` UTC days, oldest first, and the [from, to) seconds they cover. */
export function lastDays(days) {
  const now = Math.floor(Date.now() / 1000);
  const to = now - (now % 86400) + 86400;
  const from = to - days * 86400;
  const list = [];
  for (let start = from; start < to; start += 86400) list.push(day(start));
  return { from, to, days: list };
}

/** A short message for an error. */
export function describe(error) {
  if (error instanceof APIError) {
    if (error.status === 429 && error.retryAfter) return error.message + ' (try again in ' + error.retryAfter + ' s)';
    return error.message;
  }
  return String(error && error.message ? error.message : error);
}
