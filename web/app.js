// XPlanServer web page: plan list, plan page with map, upload with
// validation report and import, login. Plain JavaScript, no framework;
// OpenLayers (global `ol`) is loaded from /static/vendor/ol/ol.js.
// UI texts are German (the users are German planning authorities).
'use strict';

(() => {
  const API = '/api/v1';
  const PAGE_SIZE = 20;
  const AUTH_KEY = 'xplanserver.auth';

  // ---------------------------------------------------------------------------
  // Labels

  const TYPE_LABELS = {
    BP: 'Bebauungsplan',
    FP: 'Flächennutzungsplan',
    LP: 'Landschaftsplan',
    RP: 'Raumordnungsplan',
    SO: 'Sonstiger Plan',
  };
  const STATUS_LABELS = {
    festgestellt: 'festgestellt',
    in_aufstellung: 'in Aufstellung',
    archiviert: 'archiviert',
  };
  const ROLE_LABELS = { viewer: 'Lesen', editor: 'Bearbeiten', admin: 'Administration' };
  const SECTION_LABELS = {
    syntaktisch: 'Syntax (XML-Schema)',
    geometrisch: 'Geometrie',
    semantisch: 'Semantik',
  };
  const SECTION_STATUS = {
    executed: 'durchgeführt',
    skipped: 'übersprungen',
    not_run_syntax_errors: 'nicht durchgeführt (Syntaxfehler)',
    not_implemented: 'nicht verfügbar',
  };
  const RULE_LABELS = {
    XML: 'Wohlgeformtheit (XML)',
    XSD: 'XML-Schema',
    Struktur: 'Dokumentstruktur',
    '2.2.1.1': 'Flächenschluss',
    '2.2.2.1': 'Geometrische Korrektheit',
    '2.2.3.1': 'Lage im Geltungsbereich',
    'XLink-Integrität': 'Verweise (XLink)',
  };
  const REFERENCE_STATUS = {
    AVAILABLE: 'im Archiv vorhanden',
    MISSING: 'fehlt',
    UNCHECKED: 'externer Verweis (nicht geprüft)',
  };
  const HTTP_MESSAGES = {
    0: 'Keine Verbindung zum Server',
    400: 'Die Anfrage wurde abgelehnt',
    401: 'Bitte melden Sie sich an',
    403: 'Dafür fehlt Ihnen die Berechtigung',
    404: 'Nicht gefunden',
    409: 'Der Plan ist bereits vorhanden',
    413: 'Die Datei ist zu groß',
    415: 'Dieser Dateityp wird nicht unterstützt',
    422: 'Die Datei enthält kein gültiges XPlanGML',
    500: 'Interner Serverfehler',
    503: 'Der Dienst ist vorübergehend nicht verfügbar',
  };
  // Styles of the per-plan WMS: full fills or outlines only.
  const WMS_STYLE_TRANSPARENT = 'transparent';

  // ---------------------------------------------------------------------------
  // Small DOM helpers

  const $ = (sel, root = document) => root.querySelector(sel);

  /** Creates an element: el('a', {href: '#'}, 'text', child, ...). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  const numberFormat = new Intl.NumberFormat('de-DE');

  function formatDate(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleString('de-DE', { dateStyle: 'medium', timeStyle: 'short' });
  }

  function formatBytes(n) {
    if (typeof n !== 'number') return '';
    if (n < 1024) return `${numberFormat.format(n)} Byte`;
    if (n < 1024 * 1024) return `${(n / 1024).toLocaleString('de-DE', { maximumFractionDigits: 1 })} KB`;
    return `${(n / 1024 / 1024).toLocaleString('de-DE', { maximumFractionDigits: 1 })} MB`;
  }

  function typeLabel(t) {
    return TYPE_LABELS[t] ? `${TYPE_LABELS[t]} (${t})` : (t || '–');
  }

  /** "Gemeindename (AGS)" for the raw gemeinde objects of a plan. */
  function gemeindeLabel(g) {
    if (!g || typeof g !== 'object') return String(g ?? '');
    const name = [g.gemeindeName, g.ortsteilName].filter((x) => typeof x === 'string' && x).join(', ');
    const key = g.ags || g.rs;
    if (name && key) return `${name} (${key})`;
    return name || key || '';
  }

  function gemeindenText(plan) {
    const names = (plan.gemeinden || []).map(gemeindeLabel).filter(Boolean);
    if (names.length) return names.join('; ');
    return (plan.ags || []).join(', ') || '–';
  }

  // ---------------------------------------------------------------------------
  // Messages (aria-live regions below the header)

  let statusTimer = null;

  function showStatus(text) {
    const s = $('#status');
    s.textContent = text;
    s.hidden = false;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => { s.hidden = true; s.textContent = ''; }, 8000);
  }

  function showError(errOrText) {
    const e = $('#error');
    e.textContent = typeof errOrText === 'string' ? errOrText : errorText(errOrText);
    e.hidden = false;
  }

  function clearMessages() {
    for (const id of ['#status', '#error']) {
      const m = $(id);
      m.hidden = true;
      m.textContent = '';
    }
  }

  // ---------------------------------------------------------------------------
  // HTTP

  class ApiError extends Error {
    constructor(status, problem) {
      super(problem?.detail || problem?.title || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  /** A German sentence for a failed request, with the server's detail. */
  function errorText(err) {
    if (!(err instanceof ApiError)) return `Fehler: ${err?.message || err}`;
    const base = HTTP_MESSAGES[err.status]
      || (err.status >= 500 ? HTTP_MESSAGES[500] : `Fehler ${err.status}`);
    const detail = err.problem.detail || err.problem.title;
    return detail && detail !== base ? `${base}: ${detail}` : `${base}.`;
  }

  /**
   * fetch() with the API's conventions: X-Requested-With (no browser login
   * dialog on 401), Basic auth when logged in, JSON or problem+json answers.
   * Resolves to {status, data, headers}; rejects with ApiError.
   */
  async function request(url, { method = 'GET', headers = {}, body, auth: withAuth = true, text = false } = {}) {
    const h = {
      'X-Requested-With': 'XMLHttpRequest',
      Accept: text ? 'text/html, */*' : 'application/json, application/problem+json',
      ...headers,
    };
    if (withAuth && auth) h.Authorization = `Basic ${auth.token}`;
    let res;
    try {
      res = await fetch(url, { method, headers: h, body, credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, { detail: e.message });
    }
    const ct = res.headers.get('content-type') || '';
    let data;
    if (ct.includes('json')) data = await res.json().catch(() => null);
    else data = await res.text().catch(() => '');
    if (!res.ok) {
      const problem = data && typeof data === 'object'
        ? data
        : { title: res.statusText, detail: String(data || '').slice(0, 300) };
      if (res.status === 401 && auth && withAuth) {
        // The stored credentials are no longer accepted.
        setAuth(null);
      }
      throw new ApiError(res.status, problem);
    }
    return { status: res.status, data, headers: res.headers };
  }

  // ---------------------------------------------------------------------------
  // Login (HTTP Basic; credentials in sessionStorage, checked with GET /me)

  /** {token, user, role, ags} or null. */
  let auth = null;

  function base64Utf8(s) {
    const bytes = new TextEncoder().encode(s);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  function canEdit() {
    return !!auth && (auth.role === 'editor' || auth.role === 'admin');
  }

  function setAuth(a) {
    const changed = (auth?.token || null) !== (a?.token || null) || (auth?.role || null) !== (a?.role || null);
    auth = a;
    if (a) sessionStorage.setItem(AUTH_KEY, JSON.stringify(a));
    else sessionStorage.removeItem(AUTH_KEY);
    renderAuth();
    if (changed) document.dispatchEvent(new CustomEvent('authchange'));
  }

  function renderAuth() {
    const user = $('#auth-user');
    if (auth) {
      user.textContent = `${auth.user} (${ROLE_LABELS[auth.role] || auth.role})`;
      user.hidden = false;
    } else {
      user.textContent = '';
      user.hidden = true;
    }
    $('#login-open').hidden = !!auth;
    $('#logout').hidden = !auth;
  }

  async function login(username, password) {
    const token = base64Utf8(`${username}:${password}`);
    const { data } = await request(`${API}/me`, {
      headers: { Authorization: `Basic ${token}` },
      auth: false,
    });
    setAuth({ token, user: data.user || username, role: data.role || 'viewer', ags: data.ags || [] });
  }

  function setupLogin() {
    const dialog = $('#login-dialog');
    const form = $('#login-form');
    const errorBox = $('#login-error');
    let opener = null;

    $('#login-open').addEventListener('click', (ev) => {
      opener = ev.currentTarget;
      errorBox.hidden = true;
      form.reset();
      dialog.showModal();
      $('#login-user').focus();
    });
    $('#login-cancel').addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      // Return the focus to a sensible place.
      const target = auth ? $('#logout') : opener;
      if (target && !target.hidden) target.focus();
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const submit = $('#login-submit');
      submit.disabled = true;
      errorBox.hidden = true;
      try {
        await login($('#login-user').value.trim(), $('#login-password').value);
        dialog.close();
        showStatus(`Angemeldet als ${auth.user}.`);
      } catch (err) {
        errorBox.textContent = err.status === 401
          ? 'Benutzername oder Passwort ist falsch.'
          : errorText(err);
        errorBox.hidden = false;
        $('#login-password').select();
      } finally {
        submit.disabled = false;
      }
    });
    $('#logout').addEventListener('click', () => {
      setAuth(null);
      showStatus('Sie sind abgemeldet.');
      $('#login-open').focus();
    });
  }

  /** Takes the stored credentials at once (the first page's requests need them). */
  function loadStoredLogin() {
    let stored = null;
    try { stored = JSON.parse(sessionStorage.getItem(AUTH_KEY) || 'null'); } catch { /* ignore */ }
    if (stored?.token) auth = stored;
  }

  /** Checks the stored credentials in the background; the role may have changed since. */
  async function verifyStoredLogin() {
    if (!auth) return;
    const stored = auth;
    try {
      const { data } = await request(`${API}/me`);
      setAuth({ ...stored, user: data.user || stored.user, role: data.role || stored.role, ags: data.ags || [] });
    } catch (err) {
      // request() has already dropped credentials that are refused (401).
      if (err.status === 401) showStatus('Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.');
    }
  }

  // ---------------------------------------------------------------------------
  // Router: #/ list, #/plan/{id}, #/upload, #/api

  let dispose = null; // cleanup of the current page (maps)
  let routeSeq = 0; // bumped per navigation; async work of older pages stops

  function parseHash() {
    const h = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = h.split('?');
    return { path, query: new URLSearchParams(qs || '') };
  }

  function mountTemplate(id) {
    const main = $('#main');
    main.replaceChildren($(`#${id}`).content.cloneNode(true));
    return main;
  }

  function setActiveNav(name) {
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  function route() {
    if (dispose) { try { dispose(); } catch { /* ignore */ } dispose = null; }
    const seq = ++routeSeq;
    const { path, query } = parseHash();
    const keepMessages = pendingMessage;
    if (!keepMessages) clearMessages();
    pendingMessage = false;
    let m;
    if (path === '/' || path === '') {
      setActiveNav('list');
      dispose = listPage(query, seq);
    } else if ((m = path.match(/^\/plan\/([^/]+)$/))) {
      setActiveNav('');
      dispose = planPage(decodeURIComponent(m[1]), seq);
    } else if (path === '/upload') {
      setActiveNav('upload');
      dispose = uploadPage(seq);
    } else if (path === '/api') {
      setActiveNav('api');
      dispose = apiPage(seq);
    } else {
      setActiveNav('');
      mountTemplate('tpl-notfound');
      document.title = 'Seite nicht gefunden – XPlanServer';
    }
  }

  /** Moves the focus to the new page's heading (for screen readers), except on first load. */
  let firstRoute = true;
  function focusHeading() {
    if (firstRoute) { firstRoute = false; return; }
    const h = $('#main h1');
    if (h) { h.setAttribute('tabindex', '-1'); h.focus({ preventScroll: false }); }
  }

  /** Navigates and keeps the status message set just before. */
  let pendingMessage = false;
  function navigate(hash, message) {
    if (message) { pendingMessage = true; showStatus(message); }
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  // ---------------------------------------------------------------------------
  // Plan list

  function listPage(query, seq) {
    const main = mountTemplate('tpl-list');
    document.title = 'Pläne – XPlanServer';
    const form = $('#filter-form', main);
    const fields = ['name', 'type', 'status', 'ags', 'version'];
    for (const f of fields) form.elements[f].value = query.get(f) || '';
    let offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
    let debounce = null;
    let loadSeq = 0;

    function currentQuery() {
      const q = new URLSearchParams();
      for (const f of fields) {
        const v = form.elements[f].value.trim();
        if (v) q.set(f, v);
      }
      return q;
    }

    async function load() {
      const q = currentQuery();
      if (offset) q.set('offset', String(offset));
      // Keep the filters in the address (bookmarkable, back button) without re-rendering.
      const hash = q.toString() ? `#/?${q}` : '#/';
      if (location.hash !== hash && !(hash === '#/' && (location.hash === '' || location.hash === '#'))) {
        history.replaceState(null, '', hash);
      }
      q.set('limit', String(PAGE_SIZE));
      q.set('offset', String(offset));
      const mySeq = ++loadSeq;
      const results = $('#list-results', main);
      results.setAttribute('aria-busy', 'true');
      try {
        const { data } = await request(`${API}/plans?${q}`);
        if (seq !== routeSeq || mySeq !== loadSeq) return;
        if (!(data.plans || []).length && offset > 0 && data.numberMatched > 0) {
          // A page past the end (e.g. after deletions): back to the first.
          offset = 0;
          load();
          return;
        }
        renderList(data);
      } catch (err) {
        if (seq !== routeSeq || mySeq !== loadSeq) return;
        results.replaceChildren();
        $('#list-count', main).textContent = '';
        showError(err);
      } finally {
        results.removeAttribute('aria-busy');
      }
    }

    function renderList(data) {
      const plans = data.plans || [];
      const total = typeof data.numberMatched === 'number' ? data.numberMatched : plans.length;
      const results = $('#list-results', main);
      $('#list-count', main).textContent = total === 0
        ? 'Keine Pläne gefunden.'
        : `${numberFormat.format(total)} ${total === 1 ? 'Plan' : 'Pläne'} gefunden${total > plans.length ? `, ${offset + 1}–${offset + plans.length} angezeigt` : ''}.`;
      if (!plans.length) {
        results.replaceChildren();
      } else {
        const head = ['Name', 'Nummer', 'Planart', 'Version', 'Status', 'Gemeinde', 'Importiert'];
        const rows = plans.map((p) => el('tr', {},
          el('td', { 'data-label': 'Name', class: 'cell-name' }, el('a', { href: `#/plan/${encodeURIComponent(p.id)}` }, p.name || `Plan ${p.id}`)),
          el('td', { 'data-label': 'Nummer' }, p.nummer || '–'),
          el('td', { 'data-label': 'Planart' }, el('abbr', { title: TYPE_LABELS[p.type] || p.planClass || '' }, p.type || '–')),
          el('td', { 'data-label': 'Version' }, p.version || '–'),
          el('td', { 'data-label': 'Status' }, el('span', { class: `badge badge--${p.status}` }, STATUS_LABELS[p.status] || p.status || '–')),
          el('td', { 'data-label': 'Gemeinde' }, gemeindenText(p)),
          el('td', { 'data-label': 'Importiert' }, formatDate(p.importDate))));
        results.replaceChildren(el('div', { class: 'table-wrap' },
          el('table', { class: 'table table--plans table--stack' },
            el('caption', { class: 'visually-hidden' }, 'Gefundene Pläne'),
            el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, rows))));
      }
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const page = Math.floor(offset / PAGE_SIZE) + 1;
      $('#page-info', main).textContent = total ? `Seite ${page} von ${pages}` : '';
      $('#page-prev', main).disabled = offset <= 0;
      $('#page-next', main).disabled = offset + plans.length >= total;
      $('.pager', main).hidden = total <= PAGE_SIZE && offset === 0;
    }

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearTimeout(debounce);
      offset = 0;
      load();
    });
    form.addEventListener('reset', () => {
      clearTimeout(debounce);
      // After the browser has reset the fields.
      setTimeout(() => { offset = 0; load(); }, 0);
    });
    // Search as you type (name, AGS) and on selection.
    form.addEventListener('input', (ev) => {
      if (ev.target.tagName !== 'INPUT') return;
      // A Gemeindeschlüssel matches by prefix (Land 2, Kreis 5, Gemeinde 8
      // digits): searched from two digits on.
      if (ev.target.name === 'ags' && !(ev.target.checkValidity() && ev.target.value.trim().length !== 1)) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => { offset = 0; load(); }, 350);
    });
    form.addEventListener('change', (ev) => {
      if (ev.target.tagName !== 'SELECT') return;
      offset = 0;
      load();
    });
    $('#page-prev', main).addEventListener('click', () => { offset = Math.max(0, offset - PAGE_SIZE); load(); });
    $('#page-next', main).addEventListener('click', () => { offset += PAGE_SIZE; load(); });

    // Closed reading: the list appears after a login.
    const onAuth = () => load();
    document.addEventListener('authchange', onAuth);

    load();
    focusHeading();
    return () => {
      clearTimeout(debounce);
      document.removeEventListener('authchange', onAuth);
    };
  }

  // ---------------------------------------------------------------------------
  // Maps (OpenLayers)

  function olAvailable() {
    return typeof window.ol === 'object' && window.ol.Map;
  }

  function mapControls() {
    return ol.control.defaults.defaults({
      attribution: false,
      rotate: false,
      zoomOptions: { zoomInTipLabel: 'Vergrößern', zoomOutTipLabel: 'Verkleinern' },
    }).extend([new ol.control.ScaleLine()]);
  }

  /** The extent in EPSG:3857 of a [minLon, minLat, maxLon, maxLat] box, padded for points. */
  function extent3857(bbox4326) {
    const e = ol.proj.transformExtent(bbox4326, 'EPSG:4326', 'EPSG:3857');
    if (ol.extent.getWidth(e) < 1 && ol.extent.getHeight(e) < 1) return ol.extent.buffer(e, 100);
    return e;
  }

  /**
   * Map images are fetched (with the Authorization header when logged in:
   * the server may close reading to anonymous clients) and handed to
   * OpenLayers as blob URLs. Failed requests are tried again a few times:
   * right after an import the map service may not know the plan yet.
   */
  const IMAGE_RETRY_DELAYS_MS = [300, 700, 1500];

  function loadImageWithAuth(image, src) {
    const img = image.getImage();
    const headers = { 'X-Requested-With': 'XMLHttpRequest' };
    if (auth) headers.Authorization = `Basic ${auth.token}`;
    const attempt = async (n) => {
      try {
        const res = await fetch(src, { headers, credentials: 'same-origin' });
        const type = res.headers.get('content-type') || '';
        if (res.ok && type.startsWith('image/')) return await res.blob();
        // 4xx other than 404 will not get better by waiting.
        if (res.status >= 400 && res.status < 500 && res.status !== 404) throw new Error(`HTTP ${res.status}`);
      } catch (e) {
        if (n >= IMAGE_RETRY_DELAYS_MS.length || /^HTTP 4/.test(e.message)) throw e;
      }
      if (n >= IMAGE_RETRY_DELAYS_MS.length) throw new Error('no map image');
      await new Promise((r) => setTimeout(r, IMAGE_RETRY_DELAYS_MS[n]));
      return attempt(n + 1);
    };
    attempt(0)
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
        img.addEventListener('error', () => URL.revokeObjectURL(url), { once: true });
        img.src = url;
      })
      .catch(() => img.dispatchEvent(new Event('error')));
  }

  /** The per-plan WMS with GetFeatureInfo in a side panel. */
  function createPlanMap(plan, target, infoBox) {
    const wmsUrl = `/wms/plan/${encodeURIComponent(plan.id)}`;
    const source = new ol.source.ImageWMS({
      url: wmsUrl,
      params: { LAYERS: 'vektordaten', VERSION: '1.3.0', FORMAT: 'image/png', TRANSPARENT: true, STYLES: '' },
      ratio: 1.2,
      imageLoadFunction: loadImageWithAuth,
    });
    const layer = new ol.layer.Image({ source });
    // The point last asked about.
    const marker = new ol.Feature();
    const markerLayer = new ol.layer.Vector({
      source: new ol.source.Vector({ features: [marker] }),
      style: [
        new ol.style.Style({ image: new ol.style.Circle({ radius: 9, stroke: new ol.style.Stroke({ color: '#ffffff', width: 5 }) }) }),
        new ol.style.Style({ image: new ol.style.Circle({ radius: 9, stroke: new ol.style.Stroke({ color: '#c4161c', width: 2.5 }) }) }),
      ],
    });
    const view = new ol.View({ projection: 'EPSG:3857', maxZoom: 23 });
    const map = new ol.Map({ target, layers: [layer, markerLayer], view, controls: mapControls() });
    target.dataset.mapState = 'loading';
    if (plan.bbox4326) {
      view.fit(extent3857(plan.bbox4326), { padding: [16, 16, 16, 16] });
    } else {
      view.setCenter(ol.proj.fromLonLat([10.0, 51.0]));
      view.setZoom(6);
    }
    let pending = 0;
    source.on('imageloadstart', () => { pending++; target.dataset.mapState = 'loading'; target.setAttribute('aria-busy', 'true'); });
    source.on('imageloadend', () => {
      pending = Math.max(0, pending - 1);
      if (target.dataset.mapState === 'error') target.dataset.mapState = 'loading';
      if (!pending) target.removeAttribute('aria-busy');
    });
    source.on('imageloaderror', () => {
      pending = Math.max(0, pending - 1);
      target.dataset.mapState = 'error';
      target.removeAttribute('aria-busy');
      showError('Das Kartenbild konnte nicht geladen werden.');
    });
    map.on('rendercomplete', () => {
      if (!pending && target.dataset.mapState !== 'error') target.dataset.mapState = 'ready';
    });

    let infoSeq = 0;
    async function featureInfo(coordinate) {
      const url = source.getFeatureInfoUrl(coordinate, view.getResolution(), view.getProjection(), {
        INFO_FORMAT: 'text/html',
        FEATURE_COUNT: 20,
      });
      if (!url) return;
      marker.setGeometry(new ol.geom.Point(coordinate));
      const mySeq = ++infoSeq;
      infoBox.setAttribute('aria-busy', 'true');
      infoBox.replaceChildren(el('p', { class: 'hint' }, 'Objektinformation wird geladen …'));
      try {
        const { data } = await request(url, { text: true });
        if (mySeq !== infoSeq) return;
        const content = sanitizeHtml(String(data || ''));
        infoBox.replaceChildren(content.childNodes.length ? content : el('p', {}, 'An dieser Stelle liegt kein Planinhalt.'));
        infoBox.dataset.state = 'loaded';
        // On narrow screens the panel is below the map: bring it into view.
        if (window.matchMedia('(max-width: 48rem)').matches) infoBox.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      } catch (err) {
        if (mySeq !== infoSeq) return;
        infoBox.replaceChildren(el('p', { class: 'field-error' }, errorText(err)));
        infoBox.dataset.state = 'error';
      } finally {
        if (mySeq === infoSeq) infoBox.removeAttribute('aria-busy');
      }
    }
    map.on('singleclick', (ev) => featureInfo(ev.coordinate));
    map.on('pointermove', (ev) => {
      if (!ev.dragging) target.style.cursor = 'crosshair';
    });

    return {
      map,
      infoAtCenter: () => featureInfo(view.getCenter()),
      setTransparent(on) {
        source.updateParams({ STYLES: on ? WMS_STYLE_TRANSPARENT : '' });
      },
      dispose() { map.setTarget(null); },
    };
  }

  // Tags kept from the server's GetFeatureInfo HTML; all attributes but safe links are dropped.
  const SAFE_TAGS = new Set(['H1', 'H2', 'H3', 'H4', 'SMALL', 'TABLE', 'CAPTION', 'THEAD', 'TBODY', 'TR', 'TH', 'TD',
    'UL', 'OL', 'LI', 'A', 'BR', 'EM', 'STRONG', 'B', 'I', 'P', 'CODE', 'SPAN', 'DIV']);
  const DROP_TAGS = new Set(['SCRIPT', 'STYLE', 'TITLE', 'HEAD', 'IFRAME', 'OBJECT', 'EMBED', 'TEMPLATE', 'SVG', 'MATH', 'FORM']);

  /** Parses HTML inertly (DOMParser runs no scripts) and rebuilds only whitelisted elements. */
  function sanitizeHtml(html) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const out = document.createDocumentFragment();
    const walk = (src, dst) => {
      for (const n of src.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) {
          dst.append(n.data);
        } else if (n.nodeType === Node.ELEMENT_NODE) {
          if (DROP_TAGS.has(n.tagName)) continue;
          if (!SAFE_TAGS.has(n.tagName)) { walk(n, dst); continue; }
          // Headings move below the panel's own h3.
          const tag = /^H[1-4]$/.test(n.tagName) ? 'h4' : n.tagName.toLowerCase();
          const e = document.createElement(tag);
          if (tag === 'a') {
            const href = n.getAttribute('href') || '';
            let url = null;
            try { url = new URL(href, location.href); } catch { /* ignore */ }
            if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
              e.href = url.href;
              e.target = '_blank';
              e.rel = 'noopener noreferrer';
            }
          }
          if ((tag === 'th' || tag === 'td') && n.getAttribute('colspan')) e.colSpan = Number(n.getAttribute('colspan')) || 1;
          if (tag === 'th' && n.parentElement?.parentElement?.tagName !== 'THEAD') e.scope = 'row';
          walk(n, e);
          dst.append(e);
        }
      }
    };
    walk(doc.body, out);
    return out;
  }

  // ---------------------------------------------------------------------------
  // Plan page

  function planPage(id, seq) {
    const main = mountTemplate('tpl-plan');
    document.title = 'Plan – XPlanServer';
    $('#plan-title', main).textContent = 'Plan wird geladen …';
    let planMap = null;
    let plan = null;

    function renderData() {
      document.title = `${plan.name || `Plan ${plan.id}`} – XPlanServer`;
      $('#plan-title', main).textContent = plan.name || `Plan ${plan.id}`;
      const rows = [
        ['Name', plan.name],
        ['Nummer', plan.nummer],
        ['Interne ID', plan.internalId],
        ['Planart', `${typeLabel(plan.type)}${plan.planClass ? ` – ${plan.planClass}` : ''}`],
        ['XPlanGML-Version', plan.version],
        ['Status', el('span', { class: `badge badge--${plan.status}`, id: 'plan-status' }, STATUS_LABELS[plan.status] || plan.status || '–')],
        ['Rechtsstand', plan.rechtsstandLabel
          ? `${plan.rechtsstandLabel}${plan.rechtsstand != null ? ` (${plan.rechtsstand})` : ''}`
          : (plan.rechtsstand ?? null)],
        ['Gemeinde', gemeindenText(plan)],
        ['Gemeindeschlüssel (AGS)', (plan.ags || []).join(', ')],
        ['Importiert am', formatDate(plan.importDate)],
        ['Quelldatei', plan.sourceFile],
        ['Planobjekte', typeof plan.featureCount === 'number' ? numberFormat.format(plan.featureCount) : null],
        ['Koordinatensystem', plan.srid ? `EPSG:${plan.srid}` : null],
        ['Plan-ID', String(plan.id)],
      ];
      $('#plan-data', main).replaceChildren(...rows
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => el('div', { class: 'datalist__row' }, el('dt', {}, k), el('dd', {}, v))));

      // Bereiche
      const bereiche = plan.bereiche || [];
      $('#plan-bereiche', main).replaceChildren(bereiche.length
        ? el('div', { class: 'table-wrap' }, el('table', { class: 'table table--stack' },
          el('thead', {}, el('tr', {}, ['Nummer', 'Name', 'Bedeutung', 'gml:id'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, bereiche.map((b) => el('tr', {},
            el('td', { 'data-label': 'Nummer' }, b.nummer ?? '–'),
            el('td', { 'data-label': 'Name' }, b.name || '–'),
            el('td', { 'data-label': 'Bedeutung' }, b.bedeutung ?? '–'),
            el('td', { 'data-label': 'gml:id' }, el('code', {}, b.gmlId || '')))))))
        : el('p', { class: 'hint' }, 'Der Plan hat keine Bereiche.'));

      // Documents
      const docs = plan.documents || [];
      $('#plan-documents', main).replaceChildren(docs.length
        ? el('ul', { class: 'linklist', id: 'plan-document-list' }, docs.map((d) => el('li', {},
          el('a', { href: d.href || `${API}/plans/${encodeURIComponent(plan.id)}/documents/${encodeURIComponent(d.name)}`, target: '_blank', rel: 'noopener' }, d.name),
          el('span', { class: 'meta' }, [d.mediaType, formatBytes(d.size)].filter(Boolean).join(', ')))))
        : el('p', { class: 'hint' }, 'Zu diesem Plan sind keine Dokumente gespeichert.'));

      // Download and services
      const link = (rel) => (plan.links || []).find((l) => l.rel === rel)?.href;
      const pid = encodeURIComponent(plan.id);
      const items = [
        ['XPlanArchiv herunterladen (ZIP)', link('archive') || `${API}/plans/${pid}/archive`, true],
        ['WMS des Plans (GetCapabilities)', link('wms') || `/wms/plan/${pid}?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`],
        ['WFS (XPlanGML)', link('wfs')],
        ['Planinformation als JSON', link('self') || `${API}/plans/${pid}`],
      ];
      $('#plan-links', main).replaceChildren(...items.filter(([, href]) => href).map(([label, href, download]) => el('li', {},
        el('a', { href, download: download ? '' : null }, label))));

      // Administration
      const admin = $('#plan-admin', main);
      admin.hidden = !canEdit();
      $('#status-select', main).value = plan.status || 'festgestellt';
    }

    async function load() {
      try {
        const { data } = await request(`${API}/plans/${encodeURIComponent(id)}`);
        if (seq !== routeSeq) return;
        plan = data;
        renderData();
        const mapEl = $('#plan-map', main);
        if (!olAvailable()) {
          mapEl.replaceChildren(el('p', { class: 'field-error' }, 'Die Kartenbibliothek fehlt (scripts/web-deps.sh ausführen).'));
          return;
        }
        planMap = createPlanMap(plan, mapEl, $('#feature-info', main));
        $('#map-info-center', main).addEventListener('click', () => planMap.infoAtCenter());
        $('#map-transparent', main).addEventListener('change', (ev) => planMap.setTransparent(ev.target.checked));
      } catch (err) {
        if (seq !== routeSeq) return;
        $('#plan-title', main).textContent = err.status === 404 ? 'Plan nicht gefunden' : 'Plan konnte nicht geladen werden';
        $('.plan__layout', main).hidden = true;
        showError(err);
      }
    }

    $('#status-form', main).addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const status = $('#status-select', main).value;
      const btn = ev.submitter || $('#status-form button', main);
      btn.disabled = true;
      try {
        const { data } = await request(`${API}/plans/${encodeURIComponent(plan.id)}/status`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ status }),
        });
        if (seq !== routeSeq) return;
        if (data && typeof data === 'object' && data.id !== undefined) plan = data;
        else plan.status = status;
        renderData();
        showStatus(`Der Status ist jetzt „${STATUS_LABELS[plan.status] || plan.status}“.`);
      } catch (err) {
        showError(err);
      } finally {
        btn.disabled = false;
      }
    });

    $('#plan-delete', main).addEventListener('click', async (ev) => {
      const name = plan?.name || `Plan ${id}`;
      if (!window.confirm(`Den Plan „${name}“ mit allen Objekten und Dokumenten endgültig löschen?`)) return;
      ev.currentTarget.disabled = true;
      try {
        await request(`${API}/plans/${encodeURIComponent(plan.id)}`, { method: 'DELETE' });
        navigate('#/', `Der Plan „${name}“ wurde gelöscht.`);
      } catch (err) {
        showError(err);
        ev.currentTarget.disabled = false;
      }
    });

    const onAuth = () => {
      if (plan) $('#plan-admin', main).hidden = !canEdit();
      else { $('.plan__layout', main).hidden = false; clearMessages(); load(); } // after a refused (401) load
    };
    document.addEventListener('authchange', onAuth);

    load();
    focusHeading();
    return () => {
      document.removeEventListener('authchange', onAuth);
      if (planMap) planMap.dispose();
    };
  }

  // ---------------------------------------------------------------------------
  // Upload: validation report and import

  const SKIP_OPTIONS = ['skipFlaechenschluss', 'skipGeltungsbereich', 'skipLaufrichtung', 'skipSemantisch', 'skipGeometrisch'];
  const FINDINGS_SHOWN_PER_RULE = 500;

  function contentTypeOf(file) {
    return /\.zip$/i.test(file.name) ? 'application/zip' : 'application/gml+xml';
  }

  /** The file name as an HTTP header value (headers are Latin-1: others percent-encoded). */
  function filenameHeader(name) {
    return /^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name);
  }

  function uploadPage(seq) {
    const main = mountTemplate('tpl-upload');
    document.title = 'Plan hochladen – XPlanServer';
    const form = $('#upload-form', main);
    const fileInput = $('#upload-file', main);
    const importButton = $('#import-button', main);
    const importHint = $('#import-hint', main);
    let report = null; // the report of the file and options as they are now
    let reportMap = null;
    let busy = false;

    function skipParams() {
      const q = new URLSearchParams();
      for (const name of SKIP_OPTIONS) if (form.elements[name].checked) q.set(name, 'true');
      return q;
    }

    function updateImportState() {
      let hint = '';
      if (!auth) hint = 'Zum Importieren melden Sie sich bitte mit einem Konto der Rolle Bearbeiten oder Administration an.';
      else if (!canEdit()) hint = 'Ihr Konto darf nur lesen; zum Importieren ist die Rolle Bearbeiten oder Administration nötig.';
      else if (!report) hint = 'Bitte prüfen Sie die Datei zuerst mit „Validieren“.';
      else if (!report.valid) hint = 'Der Plan ist nicht gültig und kann nicht importiert werden.';
      importHint.textContent = hint;
      importButton.disabled = busy || !!hint;
    }

    function resetReport() {
      report = null;
      if (reportMap) { reportMap.setTarget(null); reportMap = null; }
      $('#report', main).hidden = true;
      updateImportState();
    }

    form.addEventListener('change', resetReport);

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const file = fileInput.files[0];
      if (!file) { fileInput.focus(); showError('Bitte wählen Sie eine Datei aus.'); return; }
      clearMessages();
      resetReport();
      busy = true;
      const button = $('#validate-button', main);
      button.disabled = true;
      button.textContent = 'Wird geprüft …';
      form.setAttribute('aria-busy', 'true');
      showStatus(`„${file.name}“ wird geprüft …`);
      try {
        const { data } = await request(`${API}/validate?${skipParams()}`, {
          method: 'POST',
          headers: { 'Content-Type': contentTypeOf(file), 'X-Filename': filenameHeader(file.name) },
          body: file,
        });
        if (seq !== routeSeq) return;
        report = data;
        renderReport(data);
        showStatus(data.valid ? 'Prüfung abgeschlossen: Der Plan ist gültig.' : 'Prüfung abgeschlossen: Der Plan ist nicht gültig.');
      } catch (err) {
        if (seq !== routeSeq) return;
        showError(err);
      } finally {
        busy = false;
        button.disabled = false;
        button.textContent = 'Validieren';
        form.removeAttribute('aria-busy');
        updateImportState();
      }
    });

    function renderReport(r) {
      const section = $('#report', main);
      section.hidden = false;
      const results = r.validationResult || {};
      const summary = $('#report-summary', main);
      const plans = (r.documentSummary || []).map((p) => `${p.name} (${p.type})`).join(', ');
      const info = [
        ['Datei', r.filename],
        ['XPlanGML-Version', r.version || 'unbekannt'],
        ['Pläne im Dokument', plans || '–'],
        ['Koordinatensystem', r.crs || '–'],
      ];
      const sectionRows = Object.keys(SECTION_LABELS).filter((k) => results[k]).map((k) => {
        const s = results[k];
        const errors = (s.findings || []).filter((f) => f.level === 'error').length;
        const warnings = (s.findings || []).filter((f) => f.level === 'warning').length;
        const verdict = s.valid === true ? 'gültig' : s.valid === false ? 'ungültig' : '–';
        return el('tr', {},
          el('th', { scope: 'row' }, SECTION_LABELS[k]),
          el('td', { 'data-label': 'Status' }, SECTION_STATUS[s.status] || s.status),
          el('td', { 'data-label': 'Ergebnis' }, el('span', { class: s.valid === false ? 'text-error' : s.valid ? 'text-ok' : '' }, verdict)),
          el('td', { 'data-label': 'Fehler', class: 'num' }, numberFormat.format(errors)),
          el('td', { 'data-label': 'Warnungen', class: 'num' }, numberFormat.format(warnings)));
      });
      const refs = r.externalReferences || [];
      summary.replaceChildren(
        el('p', { id: 'report-verdict', class: `verdict ${r.valid ? 'verdict--ok' : 'verdict--error'}` },
          el('span', { class: 'verdict__icon', 'aria-hidden': 'true' }, r.valid ? '✓' : '✗'),
          r.valid ? 'Der Plan ist gültig.' : 'Der Plan ist nicht gültig.'),
        el('dl', { class: 'datalist datalist--compact' }, info.map(([k, v]) => el('div', { class: 'datalist__row' }, el('dt', {}, k), el('dd', {}, v)))),
        el('div', { class: 'table-wrap' }, el('table', { class: 'table table--stack', id: 'report-sections' },
          el('caption', {}, 'Ergebnis der Prüfungen'),
          el('thead', {}, el('tr', {}, ['Prüfung', 'Status', 'Ergebnis', 'Fehler', 'Warnungen'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, sectionRows))),
        refs.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'table table--stack' },
          el('caption', {}, 'Externe Referenzen'),
          el('thead', {}, el('tr', {}, ['Datei', 'Status'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, refs.map((x) => el('tr', {},
            el('td', { 'data-label': 'Datei' }, x.name),
            el('td', { 'data-label': 'Status', class: x.status === 'MISSING' ? 'text-error' : '' }, REFERENCE_STATUS[x.status] || x.status)))))) : '');

      renderFindings(r);
      renderReportMap(r);
      section.focus();
    }

    function renderFindings(r) {
      const all = [];
      for (const k of Object.keys(SECTION_LABELS)) {
        for (const f of r.validationResult?.[k]?.findings || []) all.push(f);
      }
      const box = $('#report-findings', main);
      if (!all.length) {
        box.replaceChildren(el('h3', {}, 'Befunde nach Regel'), el('p', { id: 'report-no-findings' }, 'Keine Befunde – alle durchgeführten Prüfungen sind ohne Fehler und Warnungen.'));
        return;
      }
      const groups = new Map();
      for (const f of all) {
        if (!groups.has(f.rule)) groups.set(f.rule, []);
        groups.get(f.rule).push(f);
      }
      const details = [...groups.entries()].map(([rule, findings], i) => {
        const errors = findings.filter((f) => f.level === 'error').length;
        const warnings = findings.length - errors;
        const counts = [errors ? `${numberFormat.format(errors)} ${errors === 1 ? 'Fehler' : 'Fehler'}` : '',
          warnings ? `${numberFormat.format(warnings)} ${warnings === 1 ? 'Warnung' : 'Warnungen'}` : ''].filter(Boolean).join(', ');
        const shown = findings.slice(0, FINDINGS_SHOWN_PER_RULE);
        return el('details', { class: 'rule-group', 'data-rule': rule, open: groups.size <= 3 || i === 0 },
          el('summary', {},
            el('span', { class: 'rule-group__rule' }, RULE_LABELS[rule] ? `${rule} – ${RULE_LABELS[rule]}` : rule),
            el('span', { class: 'rule-group__counts' }, counts)),
          el('div', { class: 'table-wrap' }, el('table', { class: 'table table--findings table--stack' },
            el('thead', {}, el('tr', {}, ['Stufe', 'Meldung', 'gml:id', 'Zeile'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, shown.map((f) => el('tr', { class: `finding finding--${f.level}` },
              el('td', { 'data-label': 'Stufe' }, el('span', { class: `level level--${f.level}` }, f.level === 'error' ? 'Fehler' : 'Warnung')),
              el('td', { 'data-label': 'Meldung', class: 'finding__message' }, f.message),
              el('td', { 'data-label': 'gml:id' }, (f.gmlIds || []).length ? (f.gmlIds || []).map((g) => el('code', {}, g)) : '–'),
              el('td', { 'data-label': 'Zeile', class: 'num' }, f.line ?? '–')))))),
          findings.length > shown.length
            ? el('p', { class: 'hint' }, `${numberFormat.format(findings.length - shown.length)} weitere Befunde dieser Regel sind nicht aufgeführt.`)
            : null);
      });
      box.replaceChildren(el('h3', {}, `Befunde nach Regel (${numberFormat.format(all.length)})`), ...details);
    }

    function renderReportMap(r) {
      const wrap = $('#report-map-wrap', main);
      const gj = r.findingsGeoJson;
      const n = gj?.features?.length || 0;
      wrap.hidden = !n || !olAvailable();
      if (wrap.hidden) return;
      const format = new ol.format.GeoJSON();
      const features = format.readFeatures(gj, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
      const styles = {
        error: new ol.style.Style({ image: new ol.style.Circle({ radius: 6, fill: new ol.style.Fill({ color: '#c4161c' }), stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }) }),
        warning: new ol.style.Style({ image: new ol.style.Circle({ radius: 6, fill: new ol.style.Fill({ color: '#d97a00' }), stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }) }),
      };
      const layers = [];
      const box = r.bbox4326 || null;
      if (box) {
        // The document's extent as orientation on the plain background.
        const outline = new ol.Feature(ol.geom.Polygon.fromExtent(ol.proj.transformExtent(box, 'EPSG:4326', 'EPSG:3857')));
        layers.push(new ol.layer.Vector({
          source: new ol.source.Vector({ features: [outline] }),
          style: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#3c5a78', width: 1.5, lineDash: [6, 4] }), fill: new ol.style.Fill({ color: 'rgba(60,90,120,0.06)' }) }),
        }));
      }
      const source = new ol.source.Vector({ features });
      layers.push(new ol.layer.Vector({ source, style: (f) => styles[f.get('level')] || styles.error }));
      const target = $('#report-map', main);
      const view = new ol.View({ projection: 'EPSG:3857', maxZoom: 22 });
      reportMap = new ol.Map({ target, layers, view, controls: mapControls() });
      const ext = box ? extent3857(box) : source.getExtent();
      view.fit(ol.extent.getWidth(ext) > 1 ? ext : ol.extent.buffer(ext, 100), { padding: [20, 20, 20, 20] });
      const selection = $('#report-map-selection', main);
      reportMap.on('singleclick', (ev) => {
        const hits = reportMap.getFeaturesAtPixel(ev.pixel, { hitTolerance: 4 }).filter((f) => f.get('message'));
        if (!hits.length) { selection.textContent = 'An dieser Stelle liegt kein Befund.'; return; }
        selection.replaceChildren(...hits.slice(0, 5).map((f) => el('span', { class: 'selected-finding' },
          el('span', { class: `level level--${f.get('level')}` }, f.get('level') === 'warning' ? 'Warnung' : 'Fehler'),
          ` ${f.get('rule') || ''}: ${f.get('message') || ''}`)));
      });
    }

    $('#import-form', main).addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const file = fileInput.files[0];
      if (!file || !report) return;
      const q = skipParams();
      const status = $('#import-status', main).value;
      const internalId = $('#import-internal-id', main).value.trim();
      if (status) q.set('planStatus', status);
      if (internalId) q.set('internalId', internalId);
      busy = true;
      updateImportState();
      importButton.textContent = 'Wird importiert …';
      showStatus(`„${file.name}“ wird importiert …`);
      try {
        const { data } = await request(`${API}/plans?${q}`, {
          method: 'POST',
          headers: { 'Content-Type': contentTypeOf(file), 'X-Filename': filenameHeader(file.name) },
          body: file,
        });
        if (seq !== routeSeq) return;
        const plans = Array.isArray(data) ? data : [data];
        const first = plans[0];
        const msg = plans.length === 1
          ? `Der Plan „${first.name}“ wurde importiert.`
          : `${plans.length} Pläne wurden importiert: ${plans.map((p) => p.name).join(', ')}.`;
        navigate(`#/plan/${encodeURIComponent(first.id)}`, msg);
      } catch (err) {
        if (seq !== routeSeq) return;
        if (err.problem?.validationReport) {
          report = err.problem.validationReport;
          renderReport(report);
        }
        showError(err);
      } finally {
        busy = false;
        importButton.textContent = 'Importieren';
        updateImportState();
      }
    });

    const onAuth = () => updateImportState();
    document.addEventListener('authchange', onAuth);
    updateImportState();
    focusHeading();
    return () => {
      document.removeEventListener('authchange', onAuth);
      if (reportMap) reportMap.setTarget(null);
    };
  }

  // ---------------------------------------------------------------------------
  // API documentation (Swagger UI, loaded on demand)

  const OPENAPI_URL = `${API}/openapi.json`;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      if (document.querySelector(`script[src="${src}"]`)) { resolve(); return; }
      const s = el('script', { src });
      s.onload = () => resolve();
      s.onerror = () => reject(new Error(`${src} fehlt`));
      document.head.append(s);
    });
  }

  function apiPage(seq) {
    const main = mountTemplate('tpl-api');
    document.title = 'REST-API – XPlanServer';
    const box = $('#swagger', main);
    box.replaceChildren(el('p', { class: 'hint' }, 'Die API-Beschreibung wird geladen …'));
    (async () => {
      try {
        await request(OPENAPI_URL);
        if (!document.querySelector('link[href="/static/vendor/swagger-ui/swagger-ui.css"]')) {
          document.head.append(el('link', { rel: 'stylesheet', href: '/static/vendor/swagger-ui/swagger-ui.css' }));
        }
        await loadScript('/static/vendor/swagger-ui/swagger-ui-bundle.js');
        if (seq !== routeSeq) return;
        box.replaceChildren();
        window.SwaggerUIBundle({
          url: OPENAPI_URL,
          domNode: box,
          deepLinking: false,
          // Same conventions as the page: no browser login dialog, Basic auth when logged in.
          requestInterceptor: (req) => {
            req.headers['X-Requested-With'] = 'XMLHttpRequest';
            if (auth && !req.headers.Authorization) req.headers.Authorization = `Basic ${auth.token}`;
            return req;
          },
        });
      } catch (err) {
        if (seq !== routeSeq) return;
        box.replaceChildren(el('p', { class: 'field-error' }, `Die API-Beschreibung ist nicht verfügbar (${errorText(err)})`));
      }
    })();
    focusHeading();
    return null;
  }

  // ---------------------------------------------------------------------------
  // Start

  async function start() {
    setupLogin();
    loadStoredLogin();
    renderAuth();
    window.addEventListener('hashchange', route);
    route();
    // Pages follow the 'authchange' event.
    await verifyStoredLogin();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
