// The console's pages. Each renders into `view` from the admin API only; every value from the
// API goes in as text (api.js's `h`). Routes: #/tokens, #/issue, #/token/<id>, #/usage, #/health.
import { api, query, h, replace, usd, dollars, count, time, lastDays, describe } from './api.js';
import { stackedBars, seriesByModel } from './charts.js';

const PAGE_SIZE = 25;

function field(id, labelText, input, hint) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hint ? h('small', { id: id + '-hint' }, hint) : null);
}

function errorBox() {
  return h('p', { class: 'error', role: 'alert' });
}

function showError(box, error) {
  replace(box, describe(error));
}

function list(text) {
  return String(text || '').split(',').map((s) => s.trim()).filter(Boolean);
}

function whole(text, name) {
  if (String(text).trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(name + ' must be a whole number');
  return value;
}

function limitsText(token) {
  const parts = [];
  if (token.rate_limit_rpm != null) parts.push(token.rate_limit_rpm + ' RPM');
  if (token.rate_limit_tpm != null) parts.push(token.rate_limit_tpm + ' TPM');
  if (token.max_budget_usd != null) parts.push(dollars(token.max_budget_usd) + ' / ' + (token.budget_period || 'total'));
  if (token.models && token.models.length) parts.push('models: ' + token.models.join(', '));
  return parts.length ? parts.join(' · ') : 'none';
}

function statusBadge(status) {
  // The word itself is shown: the colour only repeats it.
  return h('span', { class: 'badge badge-' + status }, status);
}

// ---- Tokens -------------------------------------------------------------------------------

export async function tokensPage(view, parameters) {
  const state = { status: parameters.get('status') || '', subject: parameters.get('subject') || '', q: parameters.get('q') || '' };
  const cursors = [''];
  const status = h('select', {}, ['', 'active', 'expired', 'revoked'].map((value) => h('option', { value, selected: value === state.status }, value || 'any')));
  const subject = h('input', { type: 'text', value: state.subject, autocomplete: 'off' });
  const search = h('input', { type: 'search', value: state.q, autocomplete: 'off' });
  const form = h('form', { class: 'filters', role: 'search' },
    field('filter-status', 'Status', status),
    field('filter-subject', 'Subject (exact)', subject),
    field('filter-q', 'Search subject, id or client', search),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Apply')));
  const box = errorBox();
  const body = h('tbody');
  const table = h('table', { class: 'data tokens', id: 'tokens-table' },
    h('caption', {}, 'Tokens, newest first'),
    h('thead', {}, h('tr', {}, ['Status', 'Subject', 'Client', 'Limits', 'Spend', 'Expires', 'Token id'].map((title) => h('th', { scope: 'col' }, title)))),
    body);
  const newer = h('button', { type: 'button', id: 'page-newer', disabled: true }, '← Newer');
  const older = h('button', { type: 'button', id: 'page-older', disabled: true }, 'Older →');
  const position = h('span', { class: 'page-position', 'aria-live': 'polite' });
  replace(view, h('h1', {}, 'Tokens'), form, box, h('div', { class: 'table-scroll' }, table), h('nav', { class: 'pager', 'aria-label': 'pages' }, newer, position, older));

  async function load() {
    replace(box);
    const cursor = cursors[cursors.length - 1];
    try {
      const page = await api('GET', '/v1/tokens' + query({ order: 'desc', limit: PAGE_SIZE, status: state.status, subject: state.subject, q: state.q, cursor }));
      replace(body, page.data.map((token) => h('tr', {},
        h('td', {}, statusBadge(token.status)),
        h('td', { class: 'subject' }, token.subject),
        h('td', {}, token.client_id || ''),
        h('td', {}, limitsText(token)),
        h('td', { class: 'num' }, usd(token.spend_nano_usd)),
        h('td', {}, time(token.expires_at)),
        h('td', {}, h('a', { href: '#/token/' + encodeURIComponent(token.id), class: 'mono' }, token.id)))));
      if (!page.data.length) body.appendChild(h('tr', {}, h('td', { colspan: 7 }, 'No tokens match.')));
      newer.disabled = cursors.length <= 1;
      older.disabled = !page.next_cursor;
      older.dataset.cursor = page.next_cursor || '';
      replace(position, 'page ' + cursors.length);
    } catch (error) {
      showError(box, error);
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = { status: status.value, subject: subject.value.trim(), q: search.value.trim() };
    // Filters live in the fragment (no secrets in it), so a filtered list can be linked to.
    location.hash = '#/tokens' + query(next);
  });
  older.addEventListener('click', () => { cursors.push(older.dataset.cursor); load(); });
  newer.addEventListener('click', () => { cursors.pop(); load(); });
  await load();
}

// ---- Issue a token ------------------------------------------------------------------------

export function issuePage(view) {
  const inputs = {
    subject: h('input', { type: 'text', required: true, autocomplete: 'off', 'aria-describedby': 'issue-subject-hint' }),
    ttl: h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric' }),
    ttlUnit: h('select', {}, h('option', { value: '86400' }, 'days'), h('option', { value: '3600' }, 'hours'), h('option', { value: '60' }, 'minutes')),
    scopes: h('input', { type: 'text', autocomplete: 'off' }),
    client: h('input', { type: 'text', autocomplete: 'off' }),
    models: h('input', { type: 'text', autocomplete: 'off' }),
    rpm: h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric' }),
    tpm: h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric' }),
    budget: h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', pattern: '[0-9]+(\\.[0-9]{1,9})?' }),
    period: h('select', {}, h('option', { value: '' }, '(none)'), h('option', { value: 'total' }, 'total'), h('option', { value: 'month' }, 'month'), h('option', { value: 'day' }, 'day')),
  };
  const box = errorBox();
  const result = h('section', { id: 'issued', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', id: 'issue-submit' }, 'Issue token');
  const form = h('form', { id: 'issue-form', class: 'stacked' },
    field('issue-subject', 'Subject (who the token is for)', inputs.subject, 'Required. Shown in usage and logs.'),
    h('div', { class: 'row' }, field('issue-ttl', 'Lifetime', inputs.ttl, 'Empty: the runtime\'s default.'), field('issue-ttl-unit', 'Unit', inputs.ttlUnit)),
    field('issue-scopes', 'Scopes (comma-separated)', inputs.scopes),
    field('issue-client', 'Client id', inputs.client),
    field('issue-models', 'Models allowed (comma-separated; empty: any)', inputs.models),
    h('div', { class: 'row' }, field('issue-rpm', 'Requests per minute', inputs.rpm), field('issue-tpm', 'Tokens per minute', inputs.tpm)),
    h('div', { class: 'row' }, field('issue-budget', 'Budget (USD)', inputs.budget), field('issue-period', 'Budget period', inputs.period)),
    submit, box);
  replace(view, h('h1', {}, 'Issue a token'), form, result);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(box);
    replace(result);
    let body;
    try {
      body = { subject: inputs.subject.value.trim() };
      const ttl = whole(inputs.ttl.value, 'Lifetime');
      if (ttl !== undefined) body.ttl_seconds = ttl * Number(inputs.ttlUnit.value);
      if (list(inputs.scopes.value).length) body.scopes = list(inputs.scopes.value);
      if (inputs.client.value.trim()) body.client_id = inputs.client.value.trim();
      if (list(inputs.models.value).length) body.models = list(inputs.models.value);
      const rpm = whole(inputs.rpm.value, 'Requests per minute');
      if (rpm !== undefined) body.rate_limit_rpm = rpm;
      const tpm = whole(inputs.tpm.value, 'Tokens per minute');
      if (tpm !== undefined) body.rate_limit_tpm = tpm;
      if (inputs.budget.value.trim()) body.max_budget_usd = inputs.budget.value.trim();
      if (inputs.period.value) body.budget_period = inputs.period.value;
    } catch (error) {
      showError(box, error);
      return;
    }
    submit.disabled = true;
    try {
      const issued = await api('POST', '/v1/tokens', body);
      showIssued(result, issued);
      form.reset();
    } catch (error) {
      showError(box, error);
    } finally {
      submit.disabled = false;
    }
  });
}

/** The token, once: it lives only in this element until the page changes. */
function showIssued(result, issued) {
  const tokenField = h('input', { type: 'text', readonly: true, id: 'issued-token', class: 'mono', 'aria-describedby': 'issued-warning', spellcheck: 'false', autocomplete: 'off' });
  // The property, not the attribute: the token is not written into the document's markup.
  tokenField.value = issued.token;
  const copied = h('span', { class: 'copied', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', id: 'copy-token' }, 'Copy');
  copy.addEventListener('click', async () => {
    tokenField.select();
    try {
      await navigator.clipboard.writeText(tokenField.value);
      replace(copied, 'Copied.');
    } catch (_) {
      // No clipboard API (plain HTTP on another host): the text is selected for Ctrl+C.
      replace(copied, 'Selected: press Ctrl+C (⌘C) to copy.');
    }
  });
  replace(result,
    h('h2', {}, 'Token issued'),
    h('p', { id: 'issued-warning', class: 'warning' }, 'Copy this token now. It will not be shown again: the runtime keeps only its digest.'),
    h('div', { class: 'token-box' }, h('label', { for: 'issued-token' }, 'Token for ' + issued.subject), tokenField, copy, copied),
    h('p', {}, 'Token id ', h('a', { href: '#/token/' + encodeURIComponent(issued.id), id: 'issued-detail', class: 'mono' }, issued.id)));
  tokenField.focus();
  tokenField.select();
}

// ---- Token detail -------------------------------------------------------------------------

function periodStart(period) {
  const now = new Date();
  if (period === 'day') return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) / 1000;
  if (period === 'month') return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
  return undefined;
}

export async function tokenPage(view, id) {
  const box = errorBox();
  replace(view, h('h1', {}, 'Token'), box);
  let token;
  try {
    token = await api('GET', '/v1/tokens/' + encodeURIComponent(id));
  } catch (error) {
    showError(box, error);
    return;
  }
  const range = lastDays(30);
  const budgetFrom = periodStart(token.budget_period || 'total');
  const [byModel, byDay, inPeriod] = await Promise.all([
    api('GET', '/v1/usage' + query({ token_id: id, group_by: 'model' })),
    api('GET', '/v1/usage' + query({ token_id: id, group_by: 'day,model', from: range.from, to: range.to })),
    token.max_budget_usd != null ? api('GET', '/v1/usage' + query({ token_id: id, from: budgetFrom })) : Promise.resolve(null),
  ]).catch((error) => { showError(box, error); return [{ data: [] }, { data: [] }, null]; });

  const claims = h('dl', { class: 'claims', id: 'claims' },
    h('dt', {}, 'Status'), h('dd', {}, statusBadge(token.status)),
    h('dt', {}, 'Subject'), h('dd', { id: 'token-subject' }, token.subject),
    h('dt', {}, 'Token id'), h('dd', { class: 'mono' }, token.id),
    h('dt', {}, 'Client'), h('dd', {}, token.client_id || '—'),
    h('dt', {}, 'Scopes'), h('dd', {}, (token.scopes || []).join(', ') || '—'),
    h('dt', {}, 'Issued'), h('dd', {}, time(token.issued_at)),
    h('dt', {}, 'Expires'), h('dd', {}, time(token.expires_at)),
    token.revoked_at ? [h('dt', {}, 'Revoked'), h('dd', {}, time(token.revoked_at))] : null,
    h('dt', {}, 'Limits'), h('dd', {}, limitsText(token)),
    h('dt', {}, 'Spend (all time)'), h('dd', { id: 'token-spend' }, usd(token.spend_nano_usd)));

  let budget = h('p', { id: 'budget' }, 'No budget set.');
  if (token.max_budget_usd != null) {
    const maxNano = Math.round(Number(token.max_budget_usd) * 1e9);
    const spent = inPeriod && inPeriod.data[0] ? Number(inPeriod.data[0].spend_nano_usd) : 0;
    const remaining = Math.max(0, maxNano - spent);
    const percent = maxNano > 0 ? Math.min(100, (spent / maxNano) * 100) : 100;
    budget = h('div', { id: 'budget', class: 'budget' },
      h('label', { for: 'budget-meter' }, `Budget this ${token.budget_period === 'total' || !token.budget_period ? 'lifetime' : token.budget_period}`),
      h('meter', { id: 'budget-meter', min: 0, max: maxNano || 1, value: Math.min(spent, maxNano || 1), low: (maxNano * 0.8) || 0, high: (maxNano * 0.95) || 0, optimum: 0 }),
      h('p', {}, `${usd(spent)} spent of ${dollars(token.max_budget_usd)} (${percent.toFixed(1)}%), ${usd(remaining)} remaining`));
  }

  const modelRows = byModel.data.filter((row) => row.requests > 0);
  const models = h('table', { class: 'data', id: 'token-models' },
    h('caption', {}, 'Spend and tokens by model (all time)'),
    h('thead', {}, h('tr', {}, ['Model', 'Requests', 'Prompt tokens', 'Completion tokens', 'Spend'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, modelRows.length ? modelRows.map((row) => h('tr', {},
      h('th', { scope: 'row' }, row.model), h('td', { class: 'num' }, count(row.requests)), h('td', { class: 'num' }, count(row.prompt_tokens)),
      h('td', { class: 'num' }, count(row.completion_tokens)), h('td', { class: 'num' }, usd(row.spend_nano_usd))))
      : h('tr', {}, h('td', { colspan: 5 }, 'No usage yet.'))));

  const chart = stackedBars('Spend per day, last 30 days (UTC)', range.days, seriesByModel(byDay.data, range.days));

  replace(view, h('h1', {}, 'Token ', h('span', { class: 'mono' }, token.id)), box, claims, budget,
    h('div', { class: 'table-scroll' }, models), chart,
    token.status === 'revoked' ? null : editForm(token, box),
    token.status === 'revoked' ? h('p', { class: 'notice' }, 'This token is revoked.') : revokeBlock(token, box));
}

function editForm(token, box) {
  const rpm = h('input', { type: 'number', min: 1, step: 1, value: token.rate_limit_rpm ?? '' });
  const tpm = h('input', { type: 'number', min: 1, step: 1, value: token.rate_limit_tpm ?? '' });
  const models = h('input', { type: 'text', value: (token.models || []).join(', ') });
  const budget = h('input', { type: 'text', inputmode: 'decimal', value: token.max_budget_usd ?? '' });
  const period = h('select', {}, ['', 'total', 'month', 'day'].map((value) => h('option', { value, selected: (token.budget_period || '') === value }, value || '(none)')));
  const saved = h('p', { class: 'ok', 'aria-live': 'polite' });
  const form = h('form', { id: 'edit-form', class: 'stacked' },
    h('h2', {}, 'Edit limits and budget'),
    h('p', { class: 'hint' }, 'An empty field removes that limit.'),
    h('div', { class: 'row' }, field('edit-rpm', 'Requests per minute', rpm), field('edit-tpm', 'Tokens per minute', tpm)),
    field('edit-models', 'Models allowed (comma-separated)', models),
    h('div', { class: 'row' }, field('edit-budget', 'Budget (USD)', budget), field('edit-period', 'Budget period', period)),
    h('button', { type: 'submit', id: 'edit-submit' }, 'Save changes'), saved);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(box);
    replace(saved);
    try {
      // Only what changed goes in the PATCH; null clears a claim.
      const patch = {};
      const rpmValue = whole(rpm.value, 'Requests per minute') ?? null;
      if (rpmValue !== (token.rate_limit_rpm ?? null)) patch.rate_limit_rpm = rpmValue;
      const tpmValue = whole(tpm.value, 'Tokens per minute') ?? null;
      if (tpmValue !== (token.rate_limit_tpm ?? null)) patch.rate_limit_tpm = tpmValue;
      const modelList = list(models.value);
      if (modelList.join(',') !== (token.models || []).join(',')) patch.models = modelList.length ? modelList : null;
      const budgetText = budget.value.trim();
      if (budgetText !== String(token.max_budget_usd ?? '')) patch.max_budget_usd = budgetText || null;
      if (period.value !== (token.budget_period || '')) patch.budget_period = period.value || null;
      if (!Object.keys(patch).length) { replace(saved, 'Nothing changed.'); return; }
      await api('PATCH', '/v1/tokens/' + encodeURIComponent(token.id), patch);
      replace(saved, 'Saved.');
      setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange')), 400);
    } catch (error) {
      showError(box, error);
    }
  });
  return form;
}

function revokeBlock(token, box) {
  const block = h('section', { class: 'danger', id: 'revoke' }, h('h2', {}, 'Revoke'));
  const start = h('button', { type: 'button', id: 'revoke-start', class: 'danger-button' }, 'Revoke this token…');
  const confirm = h('div', { id: 'revoke-confirm', role: 'alertdialog', 'aria-labelledby': 'revoke-question', hidden: true },
    h('p', { id: 'revoke-question' }, 'Revoke the token of ', h('strong', {}, token.subject), '? Gateways refuse it within seconds. This cannot be undone.'));
  const yes = h('button', { type: 'button', id: 'revoke-yes', class: 'danger-button' }, 'Yes, revoke');
  const no = h('button', { type: 'button', id: 'revoke-no' }, 'Cancel');
  append(confirm, yes, ' ', no);
  start.addEventListener('click', () => { confirm.hidden = false; start.hidden = true; yes.focus(); });
  no.addEventListener('click', () => { confirm.hidden = true; start.hidden = false; start.focus(); });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await api('POST', '/v1/tokens/' + encodeURIComponent(token.id) + '/revoke');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      yes.disabled = false;
      showError(box, error);
    }
  });
  return append(block, start, confirm);
}

function append(element, ...children) {
  for (const child of children) element.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

// ---- Usage --------------------------------------------------------------------------------

export async function usagePage(view) {
  const box = errorBox();
  replace(view, h('h1', {}, 'Usage'), box, h('p', {}, 'Loading…'));
  const range = lastDays(30);
  const span = { from: range.from, to: range.to };
  let totals, byDay, subjects, tokens;
  try {
    [totals, byDay, subjects, tokens] = await Promise.all([
      api('GET', '/v1/usage' + query(span)),
      api('GET', '/v1/usage' + query({ ...span, group_by: 'day,model' })),
      api('GET', '/v1/usage' + query({ ...span, group_by: 'subject', order_by: 'spend', limit: 10 })),
      api('GET', '/v1/usage' + query({ ...span, group_by: 'token', order_by: 'spend', limit: 10 })),
    ]);
  } catch (error) {
    replace(view, h('h1', {}, 'Usage'), box);
    showError(box, error);
    return;
  }
  const total = totals.data[0] || {};
  const summary = h('dl', { class: 'totals', id: 'usage-totals' },
    h('dt', {}, 'Spend'), h('dd', {}, usd(total.spend_nano_usd)),
    h('dt', {}, 'Requests'), h('dd', {}, count(total.requests)),
    h('dt', {}, 'Prompt tokens'), h('dd', {}, count(total.prompt_tokens)),
    h('dt', {}, 'Completion tokens'), h('dd', {}, count(total.completion_tokens)));
  const top = (caption, id, rows, key, link) => h('table', { class: 'data', id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, key === 'subject' ? 'Subject' : 'Token id'), h('th', { scope: 'col' }, 'Requests'), h('th', { scope: 'col' }, 'Spend'))),
    h('tbody', {}, rows.length ? rows.map((row) => h('tr', {},
      h('th', { scope: 'row' }, link ? h('a', { href: '#/token/' + encodeURIComponent(row[key]), class: 'mono' }, row[key]) : row[key]),
      h('td', { class: 'num' }, count(row.requests)), h('td', { class: 'num' }, usd(row.spend_nano_usd))))
      : h('tr', {}, h('td', { colspan: 3 }, 'No usage in this period.'))));
  replace(view, h('h1', {}, 'Usage'), h('p', { class: 'hint' }, `Last 30 days (UTC), ${range.days[0]} to ${range.days[range.days.length - 1]}, from the ledger's hourly rollups.`),
    box, summary,
    stackedBars('Spend per day by model', range.days, seriesByModel(byDay.data, range.days)),
    h('div', { class: 'two-columns' },
      h('div', { class: 'table-scroll' }, top('Top subjects by spend', 'top-subjects', subjects.data, 'subject', false)),
      h('div', { class: 'table-scroll' }, top('Top tokens by spend', 'top-tokens', tokens.data, 'token_id', true))));
}

// ---- Health -------------------------------------------------------------------------------

let previousStatus = null;

export async function healthPage(view, isCurrent) {
  const box = errorBox();
  const content = h('div', { id: 'health' });
  replace(view, h('h1', {}, 'Health'), box, content);
  async function refresh() {
    try {
      const [ready, status] = await Promise.all([
        fetch('/readyz', { cache: 'no-store' }).then(async (r) => ({ ok: r.ok, body: await r.json().catch(() => ({})) })),
        api('GET', '/v1/admin/status'),
      ]);
      let rate = 'measuring… (needs two readings, 5 s apart)';
      if (previousStatus && status.now > previousStatus.now && status.uptime_seconds > previousStatus.uptime_seconds) {
        rate = ((status.introspections_total - previousStatus.introspections_total) / (status.now - previousStatus.now)).toFixed(1) + ' /s';
      }
      previousStatus = status;
      replace(content,
        h('dl', { class: 'claims' },
          h('dt', {}, 'Store'), h('dd', { id: 'health-store' }, status.store === 'postgres' ? 'PostgreSQL' : 'memory (this process only)'),
          h('dt', {}, 'Readiness (/readyz)'), h('dd', { id: 'health-ready' }, ready.ok ? 'ready' : 'not ready: ' + (ready.body.status || 'unknown')),
          h('dt', {}, 'Open files limit'), h('dd', {}, ready.body.open_files_limit != null ? count(ready.body.open_files_limit) : 'unknown'),
          h('dt', {}, 'Event stream subscribers'), h('dd', {}, count(status.event_subscribers)),
          h('dt', {}, 'Introspections per second'), h('dd', {}, rate),
          h('dt', {}, 'Introspections since start'), h('dd', {}, count(status.introspections_total)),
          h('dt', {}, 'Store cache hit rate'), h('dd', {}, (status.cache_hit_rate * 100).toFixed(1) + ' %'),
          h('dt', {}, 'Uptime'), h('dd', {}, Math.floor(status.uptime_seconds / 3600) + ' h ' + Math.floor((status.uptime_seconds % 3600) / 60) + ' min')),
        h('h2', {}, 'Not known here'),
        h('ul', { class: 'hint' },
          h('li', {}, 'This page shows one runtime replica: the one this browser is signed in to.'),
          h('li', {}, 'The gateways\' own introspection cache hit rates, upstream errors and latencies are on each gateway\'s /metrics.'),
          h('li', {}, 'PostgreSQL itself (connections, replication, disk) is not watched by the runtime.')),
        h('p', { class: 'hint' }, 'Refreshed every 5 s while this page is open.'));
    } catch (error) {
      showError(box, error);
    }
    if (isCurrent()) setTimeout(() => { if (isCurrent()) refresh(); }, 5000);
  }
  await refresh();
}
