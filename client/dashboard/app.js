// Firebreak's dashboard: open incidents, an incident's live timeline and what changed, the responder
// actions (the same POST /v1/incidents/{id}/actions as the CLI, channel `dashboard`), the report and
// a small TTR chart. Vanilla JS, no framework. The API token is entered once and kept in localStorage;
// every call sends it as a bearer header. Untrusted text is only ever set as textContent.
/* global document, window, localStorage, fetch, setTimeout, clearTimeout */
'use strict';

(function dashboard() {
  const config = JSON.parse(document.getElementById('dashboard-config').textContent);
  const view = document.getElementById('view');
  const TOKEN_KEY = 'firebreak.token';
  const BY_KEY = 'firebreak.by';
  let refreshTimer = null;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key === 'text') node.textContent = String(value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(method, route, body) {
    const response = await fetch(route, {
      method,
      headers: {
        authorization: `Bearer ${localStorage.getItem(TOKEN_KEY) || ''}`,
        'x-firebreak-client': 'dashboard',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status === 401) {
      localStorage.removeItem(TOKEN_KEY);
      render();
      throw new Error('the token was refused: enter it again');
    }
    const type = response.headers.get('content-type') || '';
    const payload = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      const message = payload && payload.error ? payload.error.message : `HTTP ${response.status}`;
      throw new Error(message);
    }
    return payload;
  }

  function age(iso) {
    if (!iso) return '';
    let seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    const days = Math.floor(seconds / 86400);
    seconds -= days * 86400;
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds - hours * 3600) / 60);
    if (days) return `${days}d ${hours}h`;
    if (hours) return `${hours}h ${minutes}m`;
    return `${minutes}m`;
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return 'n/a';
    const minutes = ms / 60000;
    return minutes >= 90 ? `${(minutes / 60).toFixed(1)} h` : `${minutes.toFixed(1)} min`;
  }

  function severityBadge(severity) {
    return el('span', { class: `badge sev-${severity}`, text: severity });
  }

  function show(...nodes) {
    view.replaceChildren(...nodes);
  }

  function schedule(fn) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(fn, config.refreshMs);
  }

  // ---------- sign in ----------

  function signIn() {
    const token = el('input', {
      type: 'password',
      name: 'token',
      autocomplete: 'current-password',
      required: true,
    });
    const by = el('input', {
      type: 'text',
      name: 'by',
      value: localStorage.getItem(BY_KEY) || '',
      required: true,
    });
    show(
      el('h1', { text: 'Sign in' }),
      el(
        'form',
        {
          id: 'sign-in',
          onsubmit: (event) => {
            event.preventDefault();
            localStorage.setItem(TOKEN_KEY, token.value.trim());
            localStorage.setItem(BY_KEY, by.value.trim());
            render();
          },
        },
        el('label', {}, 'API token', token),
        el('label', {}, 'Your name or email (recorded with your actions)', by),
        el('button', { type: 'submit', class: 'primary', text: 'Sign in' }),
      ),
    );
  }

  // ---------- open incidents ----------

  /** The chart changes only when an incident closes: read the stats once a minute, not every refresh. */
  let chartStats = { at: 0, value: null };
  async function recentStats() {
    if (Date.now() - chartStats.at > 60000) {
      chartStats = { at: Date.now(), value: await api('GET', '/v1/stats?since=30d').catch(() => null) };
    }
    return chartStats.value;
  }

  async function incidentList() {
    const [list, stats] = await Promise.all([api('GET', '/v1/incidents?status=open'), recentStats()]);
    const items = list.incidents.map((i) =>
      el(
        'li',
        { 'data-incident': i.id },
        el(
          'a',
          { href: `#/incidents/${encodeURIComponent(i.id)}` },
          severityBadge(i.severity),
          el('strong', { text: i.service }),
          el('span', { class: 'status', text: i.status }),
          el('span', { class: 'muted', text: `${age(i.detected)} old · ${i.id}` }),
        ),
      ),
    );
    show(
      el('h1', { text: `Open incidents (${items.length})` }),
      items.length
        ? el('ul', { class: 'incidents' }, items)
        : el('p', { class: 'muted', text: 'No open incident.' }),
      stats ? ttrChart(stats) : null,
    );
    schedule(render);
  }

  /** Mean TTR per day and service over the last 30 days, as a small SVG line chart. */
  function ttrChart(stats) {
    const series = stats.ttrOverTime.filter((s) => s.points.some((p) => p.meanTtrMs !== null));
    if (series.length === 0)
      return el('p', { class: 'muted', text: 'No resolved incident in the last 30 days.' });
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 300 100');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'mean TTR per day and service');
    const from = Date.parse(stats.since);
    const span = Math.max(1, Date.parse(stats.until) - from);
    const max = Math.max(...series.flatMap((s) => s.points.map((p) => p.meanTtrMs || 0)), 1);
    const colors = ['#1d4ed8', '#b00020', '#166534', '#a16207', '#7c3aed', '#0e7490'];
    const legend = [];
    series.forEach((s, index) => {
      const color = colors[index % colors.length];
      const points = s.points
        .filter((p) => p.meanTtrMs !== null)
        .map(
          (p) =>
            `${(((Date.parse(p.day) - from) / span) * 300).toFixed(1)},${(95 - (p.meanTtrMs / max) * 90).toFixed(1)}`,
        );
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', points.join(' '));
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', color);
      line.setAttribute('stroke-width', '2');
      svg.append(line);
      legend.push(el('span', { style: `color:${color}`, text: `■ ${s.service} ` }));
    });
    return el(
      'section',
      { class: 'chart' },
      el('h2', { text: 'Mean TTR per day (30 days)' }),
      svg,
      el('p', { class: 'muted' }, legend, `max ${duration(max)}`),
    );
  }

  // ---------- one incident ----------

  async function incidentView(id, message) {
    const incident = await api('GET', `/v1/incidents/${encodeURIComponent(id)}`);
    const open = !incident.archived && incident.status !== 'closed';
    show(
      el('p', {}, el('a', { href: '#/', text: '← open incidents' })),
      el('h1', {}, severityBadge(incident.severity), ' ', incident.service, ': ', incident.title || id),
      el(
        'p',
        {},
        'Status: ',
        el('strong', { id: 'status', text: incident.status }),
        el('span', { class: 'muted', text: ` · ${id}` }),
      ),
      message
        ? el('div', { class: `message${message.error ? ' error' : ''}`, role: 'status', text: message.text })
        : null,
      open ? actions(incident) : null,
      alertsSection(incident),
      whatChanged(incident),
      // The report comes before the timeline, which grows while the incident is open.
      el('h2', { text: 'Report' }),
      el('button', {
        type: 'button',
        id: 'show-report',
        onclick: () => showReport(id),
        text: open ? 'Show the live draft' : 'Show the report',
      }),
      el('div', { id: 'report' }),
      el('h2', { text: 'Timeline' }),
      timeline(incident.timeline || []),
    );
    if (open) schedule(() => refreshLive(id));
  }

  /** Every few seconds: the status, the timeline and what changed, leaving the forms as the user left them. */
  async function refreshLive(id) {
    if (!document.getElementById('timeline')) return;
    let incident;
    try {
      incident = await api('GET', `/v1/incidents/${encodeURIComponent(id)}`);
    } catch {
      return schedule(() => refreshLive(id));
    }
    if (incident.archived || incident.status === 'closed') return incidentView(id);
    document.getElementById('status').textContent = incident.status;
    document.getElementById('timeline').replaceWith(timeline(incident.timeline || []));
    const changed = document.getElementById('what-changed');
    if (changed) changed.replaceWith(whatChanged(incident));
    const alerts = document.getElementById('alerts');
    if (alerts) alerts.replaceWith(alertsSection(incident));
    schedule(() => refreshLive(id));
  }

  /** Alerts listed on the page: the API's view holds up to 500; a phone wants the firing ones on top. */
  const ALERTS_LISTED = 20;

  /**
   * The counts are the incident's (`alerts.total`), never the length of the list shown. A live incident
   * carries occurrences (`{ key, alert }`), an archived report compact entries, and a report archived
   * before the counts existed a plain list.
   */
  function alertsSection(incident) {
    const alerts = countedAlerts(incident);
    const listed = alerts.items
      .map((item) => (item.alert ? { key: item.key, ...item.alert, changedAt: item.changedAt } : item))
      .sort(
        (a, b) =>
          Number(b.status === 'firing') - Number(a.status === 'firing') ||
          Date.parse(b.changedAt || b.startsAt) - Date.parse(a.changedAt || a.startsAt),
      )
      .slice(0, ALERTS_LISTED);
    const more = alerts.total - listed.length;
    return el(
      'section',
      { id: 'alerts' },
      el('h2', { text: 'Alerts' }),
      el('p', {
        id: 'alert-counts',
        text: `${number(alerts.total)} alert(s): ${number(alerts.firing)} firing, ${number(alerts.resolved)} resolved`,
      }),
      el(
        'ul',
        { class: 'alerts' },
        listed.map((a) =>
          el('li', { 'data-status': a.status }, el('strong', { text: a.status }), ' ', a.summary),
        ),
      ),
      more > 0
        ? el('p', {
            class: 'muted',
            text: `${number(listed.length)} of ${number(alerts.total)} shown, firing first; ${number(more)} more not listed`,
          })
        : null,
    );
  }

  function countedAlerts(incident) {
    const alerts = incident.alerts;
    if (alerts && !Array.isArray(alerts)) return alerts;
    const items = alerts || [];
    const firing = items.filter((a) => (a.alert ? a.alert.status : a.status) === 'firing').length;
    return { total: items.length, firing, resolved: items.length - firing, items };
  }

  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function timeline(entries) {
    return el(
      'ol',
      { class: 'timeline', id: 'timeline' },
      entries.map((e) =>
        el(
          'li',
          { 'data-kind': e.kind },
          el('time', { datetime: e.at, text: new Date(e.at).toLocaleString() }),
          ' ',
          el('strong', { text: e.kind }),
          ' ',
          e.message,
          el('div', {
            class: 'muted',
            text: `${e.actor.by} (${e.actor.channel}) · time from ${e.timeSource}`,
          }),
        ),
      ),
    );
  }

  function warningsOf(incident) {
    return (incident.timeline || []).filter(
      (e) => e.kind === 'safety-warning' || e.kind === 'enrichment-warning',
    );
  }

  /** A closed incident comes back as its archived report, whose `whatChanged` holds the same facts. */
  function enrichmentOf(incident) {
    if (incident.enrichment) return incident.enrichment;
    const changed = incident.whatChanged;
    if (!changed) return null;
    return {
      currentDeploy: changed.currentDeploy ? { sha: changed.currentDeploy } : null,
      rollbackCandidate: changed.rollbackCandidate ? { sha: changed.rollbackCandidate } : null,
      rollbackCandidateAgeMs: changed.rollbackCandidateAgeMs,
      changes: changed.commits,
      migrations: changed.migrations,
      changesRead: changed.changesRead,
    };
  }

  function whatChanged(incident) {
    const enrichment = enrichmentOf(incident);
    const warnings = warningsOf(incident);
    if (!enrichment)
      return el(
        'section',
        { id: 'what-changed' },
        el('h2', { text: 'What changed' }),
        el('p', { class: 'muted', text: 'Not known yet.' }),
      );
    const short = (sha) => (sha ? sha.slice(0, 12) : 'unknown');
    const candidate = enrichment.rollbackCandidate;
    return el(
      'section',
      { id: 'what-changed' },
      el('h2', { text: 'What changed' }),
      el(
        'ul',
        {},
        el(
          'li',
          {},
          'Current deploy: ',
          el('code', { text: short(enrichment.currentDeploy && enrichment.currentDeploy.sha) }),
        ),
        el(
          'li',
          { id: 'rollback-candidate' },
          'Rollback candidate: ',
          el('code', { text: short(candidate && candidate.sha) }),
          enrichment.rollbackCandidateAgeMs !== null
            ? ` (${duration(enrichment.rollbackCandidateAgeMs)} old)`
            : '',
        ),
        el('li', {
          text: `Commits since the candidate: ${enrichment.changesRead ? enrichment.changes.length : 'unknown'}`,
        }),
        el('li', {
          text: `Migrations: ${enrichment.changesRead ? enrichment.migrations.join(', ') || 'none' : 'unknown'}`,
        }),
      ),
      warnings.length
        ? el(
            'ul',
            { class: 'warn', id: 'warnings' },
            warnings.map((w) => el('li', { text: w.message })),
          )
        : null,
      freezeLine(incident),
    );
  }

  /** The deploy freeze as the timeline last left it (freeze-on / freeze-off entries). */
  function freezeLine(incident) {
    const last = (incident.timeline || [])
      .filter((e) => e.kind === 'freeze-on' || e.kind === 'freeze-off')
      .pop();
    if (!last) return null;
    const on = last.kind === 'freeze-on';
    return el(
      'p',
      { id: 'freeze', class: on ? 'warn' : 'muted' },
      on ? `Deploys frozen since ${new Date(last.at).toLocaleString()}: ` : 'Deploy freeze lifted: ',
      last.message,
    );
  }

  function actions(incident) {
    return el(
      'section',
      {},
      el('h2', { text: 'Actions' }),
      el(
        'div',
        { class: 'actions' },
        config.actions.map((action) => actionForm(incident, action)),
      ),
      el('div', { id: 'confirm' }),
    );
  }

  function actionForm(incident, action) {
    const inputs = action.fields.map((field) =>
      field.type === 'boolean'
        ? el('label', {}, el('input', { type: 'checkbox', name: field.name }), ` ${field.label}`)
        : el('input', {
            type: 'text',
            name: field.name,
            placeholder: field.label,
            'aria-label': field.label,
          }),
    );
    return el(
      'form',
      {
        'data-action': action.name,
        onsubmit: (event) => {
          event.preventDefault();
          const body = { action: action.name };
          for (const field of action.fields) {
            const input = event.target.elements[field.name];
            if (field.type === 'boolean') {
              if (input.checked) body[field.name] = true;
            } else if (input.value.trim()) body[field.name] = input.value.trim();
          }
          if (action.name === 'rollback') confirmRollback(incident, body);
          else submit(incident.id, body);
        },
      },
      inputs,
      el('button', {
        type: 'submit',
        class: action.name === 'rollback' ? 'danger' : 'primary',
        text: action.label,
      }),
    );
  }

  /** A rollback is confirmed on the page, with its target and warnings; with `force`, also ticked. */
  function confirmRollback(incident, body) {
    const candidate = incident.enrichment && incident.enrichment.rollbackCandidate;
    const target = body.to || (candidate ? candidate.sha : 'the rollback candidate');
    const warnings = warningsOf(incident);
    const understood = el('input', { type: 'checkbox', name: 'understood' });
    const confirmButton = el('button', {
      type: 'button',
      class: 'danger',
      id: 'confirm-rollback',
      text: body.force ? 'Confirm FORCED rollback' : 'Confirm rollback',
      onclick: () => {
        if (body.force && !understood.checked) {
          understood.parentElement.classList.add('warn');
          return;
        }
        document.getElementById('confirm').replaceChildren();
        submit(incident.id, body);
      },
    });
    document.getElementById('confirm').replaceChildren(
      el(
        'div',
        { class: 'confirm', role: 'alertdialog', 'aria-label': 'confirm rollback' },
        el(
          'p',
          {},
          'Roll back ',
          el('strong', { text: incident.service }),
          ' to ',
          el('code', { text: String(target).slice(0, 12) }),
          '?',
        ),
        warnings.length
          ? el(
              'ul',
              { class: 'warn' },
              warnings.map((w) => el('li', { text: w.message })),
            )
          : null,
        body.force
          ? el(
              'label',
              {},
              understood,
              ' I override the safety checks (force) and take responsibility for it',
            )
          : null,
        el(
          'p',
          {},
          confirmButton,
          ' ',
          el('button', {
            type: 'button',
            text: 'Cancel',
            onclick: () => document.getElementById('confirm').replaceChildren(),
          }),
        ),
      ),
    );
  }

  async function submit(id, body) {
    const by = localStorage.getItem(BY_KEY);
    try {
      const outcome = await api('POST', `/v1/incidents/${encodeURIComponent(id)}/actions`, { ...body, by });
      await incidentView(id, { text: `${outcome.action}: ${outcome.message}` });
    } catch (error) {
      await incidentView(id, { text: error.message, error: true });
    }
  }

  async function showReport(id) {
    const html = await api('GET', `/v1/incidents/${encodeURIComponent(id)}/report?format=html`);
    // A sandboxed frame: the report's content cannot run script or reach this page.
    const frame = el('iframe', { class: 'report', sandbox: '', title: 'incident report' });
    frame.srcdoc = html;
    document.getElementById('report').replaceChildren(frame);
  }

  // ---------- routing ----------

  async function route(message) {
    const match = /^#\/incidents\/([^/?]+)/.exec(window.location.hash);
    try {
      if (match) await incidentView(decodeURIComponent(match[1]), message);
      else await incidentList();
    } catch (error) {
      if (localStorage.getItem(TOKEN_KEY)) {
        show(
          el('div', { class: 'message error', role: 'status', text: error.message }),
          el('p', {}, el('a', { href: '#/', text: 'open incidents' })),
        );
      }
    }
  }

  function render() {
    clearTimeout(refreshTimer);
    const signedIn = Boolean(localStorage.getItem(TOKEN_KEY));
    document.getElementById('sign-out').hidden = !signedIn;
    document.getElementById('who').textContent = signedIn ? localStorage.getItem(BY_KEY) || '' : '';
    if (!signedIn) return signIn();
    return route();
  }

  document.getElementById('sign-out').addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY);
    render();
  });
  window.addEventListener('hashchange', () => render());
  render();
})();
