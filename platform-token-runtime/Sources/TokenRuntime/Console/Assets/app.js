// The console's shell: sign-in, sign-out, the navigation and the router (#/tokens, #/issue,
// #/token/<id>, #/usage, #/health). The admin key is sent once, in a POST body, and never kept:
// afterwards the browser holds only an HttpOnly session cookie this code cannot read.
import { api, onSessionEnded, replace, describe } from './api.js';
import { tokensPage, issuePage, tokenPage, usagePage, healthPage } from './pages.js';

const signin = document.getElementById('signin');
const signinForm = document.getElementById('signin-form');
const keyInput = document.getElementById('admin-key');
const signinError = document.getElementById('signin-error');
const nav = document.getElementById('nav');
const view = document.getElementById('view');
const logout = document.getElementById('logout');
let generation = 0;

function showSignIn(message) {
  generation += 1;
  nav.hidden = true;
  view.replaceChildren();
  signin.hidden = false;
  replace(signinError, message || '');
  keyInput.focus();
}

async function route() {
  const current = ++generation;
  const isCurrent = () => current === generation;
  const hash = location.hash || '#/tokens';
  const [path, search] = hash.slice(1).split('?');
  const parameters = new URLSearchParams(search || '');
  const parts = path.split('/').filter(Boolean);
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === '#/' + (parts[0] === 'token' ? 'tokens' : parts[0])) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  view.replaceChildren();
  switch (parts[0]) {
    case 'issue': issuePage(view); break;
    case 'token': await tokenPage(view, decodeURIComponent(parts[1] || '')); break;
    case 'usage': await usagePage(view); break;
    case 'health': await healthPage(view, isCurrent); break;
    default: await tokensPage(view, parameters); break;
  }
  if (isCurrent()) document.title = (view.querySelector('h1')?.textContent || 'Console') + ' · Lijiaoqiao admin';
}

function showConsole() {
  signin.hidden = true;
  nav.hidden = false;
  route();
}

signinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  replace(signinError);
  const key = keyInput.value;
  keyInput.value = '';
  try {
    await api('POST', '/admin/session', { admin_key: key }, { quietAuth: true });
    showConsole();
  } catch (error) {
    replace(signinError, error.status === 401 ? 'Sign-in failed: that is not the admin key.' : 'Sign-in failed: ' + describe(error));
    keyInput.focus();
  }
});

logout.addEventListener('click', async () => {
  try {
    await api('DELETE', '/admin/session', undefined, { quietAuth: true });
  } finally {
    showSignIn('Signed out.');
  }
});

onSessionEnded(() => showSignIn('Your session ended (idle too long, or signed out elsewhere): sign in again.'));
window.addEventListener('hashchange', () => { if (!nav.hidden) route(); });

api('GET', '/admin/session', undefined, { quietAuth: true }).then(showConsole, () => showSignIn(''));
