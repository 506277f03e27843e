/*
 * /manage/reports: the hall's figures for today or any range of days, from /api/v1/stats,
 * by service, counter, clerk, hour, day and month; charts of the waits by hour, the volume
 * by service and the satisfaction per counter; the monthly appraisal (月考核) with its
 * ranking and 红旗窗口; and the bad-review cases (差评整改) with their steps. Each table's
 * CSV is the server's own (format=csv), so what is downloaded is what hallq computed.
 * The charts are Apache ECharts (assets/web/vendor/README.md), a global `echarts`.
 */
import {
	$, api, bi, clock, counterName, el, hall, loadHall, percent, serviceName, signedIn, signOut, t,
} from './common.js';

/* The figures shown, of HQ_STATS_FIELDS (common/hq_hall.h): name, kind, the count a mean
 * or rate is over, and the heading. */
const FIELDS = [
	['issued', 'int', '', '取号', 'Issued'], ['called', 'int', '', '呼叫', 'Called'],
	['served', 'int', '', '办结', 'Served'], ['noshow', 'int', '', '过号', 'No-show'],
	['transferred', 'int', '', '转办', 'Transferred'], ['cancelled', 'int', '', '取消', 'Cancelled'],
	['waiting', 'int', '', '未完', 'Open'],
	['wait_mean_s', 'secs', 'called', '平均等候', 'Wait avg'], ['wait_p90_s', 'secs', 'called', '等候P90', 'Wait p90'],
	['wait_max_s', 'secs', 'called', '最长等候', 'Wait max'],
	['service_mean_s', 'secs', 'served', '平均办理', 'Service avg'],
	['on_time_rate', 'rate', 'called', '按时率', 'On time'],
	['rated', 'int', '', '评价', 'Reviews'], ['satisfaction_rate', 'rate', 'rated', '满意率', 'Satisfaction'],
	['score_mean', 'score', 'rated', '平均分', 'Mean level'], ['bad_reviews', 'int', '', '差评', 'Bad'],
	['rectify_rate', 'rate', 'bad_reviews', '整改率', 'Rectified'],
	['revisit_rate', 'rate', 'bad_reviews', '回访率', 'Revisited'],
];
const APPT = [['appointments', 'int', '', '预约', 'Appts'], ['missed_appointments', 'int', '', '爽约', 'Missed']];
/* The key figures above the charts. */
const KEY = ['issued', 'served', 'waiting', 'wait_mean_s', 'wait_p90_s', 'on_time_rate', 'rated',
	     'satisfaction_rate', 'bad_reviews', 'rectify_rate'];

const GROUPS = [
	['service', '业务', 'Service'], ['counter', '窗口', 'Counter'], ['clerk', '人员', 'Clerk'],
	['hour', '时段', 'Hour'], ['day', '日', 'Day'], ['month', '月', 'Month'],
];
const CASE_STATES = {
	open: ['待核实', 'Open'], verified: ['已核实', 'Verified'], rectified: ['已整改', 'Rectified'],
	revisited: ['已回访', 'Revisited'], closed: ['已办结', 'Closed'],
};
/* The step that takes a case from its state to the next. */
const NEXT_STEP = {
	open: ['verify', '核实', 'Verify'], verified: ['rectify', '整改', 'Rectify'],
	rectified: ['revisit', '回访', 'Revisit'], revisited: ['close', '办结', 'Close'],
};
const LEVEL_NAMES = { 1: ['非常不满意', 'Very dissatisfied'], 2: ['不满意', 'Dissatisfied'] };
const REASON_NAMES = {
	efficiency: ['服务效率', 'Efficiency'], skill: ['服务水平', 'Skill'],
	attitude: ['服务态度', 'Attitude'], other: ['其他', 'Other'],
};

let clerks = new Map();
let group = 'service';
let range = { from: '', to: '' };
const charts = {};

/* A figure as the tables show it; a mean or rate over nothing is a dash, not 0. */
export function figure(row, f) {
	const [name, kind, base] = f;
	const v = row[name];
	if (base && !row[base])
		return '—';
	if (kind === 'secs')
		return clock(v);
	if (kind === 'rate')
		return percent(v, 1);
	if (kind === 'score')
		return v.toFixed(2);
	return String(v);
}

function showError(e) {
	$('error').textContent = e ? e.message || String(e) : '';
}

function clerkName(id) {
	if (id === '-')
		return t('无人签到', 'nobody signed in');
	const n = clerks.get(id);
	return n ? n + ' · ' + id : id;
}

function keyWords(by, key) {
	if (key === 'total')
		return t('合计', 'Total');
	switch (by) {
	case 'service': return serviceName(key);
	case 'counter': return counterName(Number(key));
	case 'clerk': return clerkName(key);
	case 'hour': return key + ':00';
	default: return key;
	}
}

function headRow(cols, first) {
	const tr = el('tr');
	const th0 = el('th', '', first);
	th0.scope = 'col';
	tr.append(th0);
	for (const c of cols) {
		const th = el('th', 'num', bi(c[3], c[4]));
		th.scope = 'col';
		tr.append(th);
	}
	return tr;
}

function dataRow(by, row, cols) {
	const tr = el('tr');
	tr.dataset.key = row.key;
	const th = el('th', '', keyWords(by, row.key));
	th.scope = 'row';
	tr.append(th);
	for (const c of cols) {
		const td = el('td', 'num', figure(row, c));
		td.dataset.field = c[0];
		tr.append(td);
	}
	return tr;
}

/* ---- the range ---- */

function isoDay(d) {
	return d.toISOString().slice(0, 10);
}

function hallToday() {
	return hall.time.slice(0, 10);
}

function pick(which) {
	const today = hallToday();
	const d = new Date(today + 'T00:00:00Z');
	if (which === 'today')
		return { from: today, to: today };
	if (which === 'week') {
		d.setUTCDate(d.getUTCDate() - (d.getUTCDay() + 6) % 7);
		return { from: isoDay(d), to: today };
	}
	if (which === 'month')
		return { from: today.slice(0, 8) + '01', to: today };
	/* Last month: its first day to the day before this month's first. */
	const first = new Date(today.slice(0, 8) + '01T00:00:00Z');
	const end = new Date(first.getTime() - 86400000);
	return { from: isoDay(end).slice(0, 8) + '01', to: isoDay(end) };
}

function statsPath(by, csv) {
	return '/api/v1/stats?by=' + by + '&from=' + range.from + '&to=' + range.to + (csv ? '&format=csv' : '');
}

/* ---- statistics, figures and charts ---- */

let loadSeq = 0;

async function loadStats() {
	const seq = ++loadSeq;
	const bys = new Set(['hour', 'service', 'counter', group]);
	const got = {};
	await Promise.all([...bys].map(async (by) => { got[by] = await api('GET', statsPath(by)); }));
	if (seq !== loadSeq)
		return;   /* a later range or group is on its way */
	renderFigures(got.service.total);
	renderTable(got[group]);
	renderCharts(got);
	const csv = $('stats-csv');
	csv.href = statsPath(group, true);
	csv.download = 'hallq-stats-' + group + '-' + range.from + '_' + range.to + '.csv';
	$('range-words').textContent = range.from === range.to ? range.from : range.from + ' — ' + range.to;
}

function renderFigures(total) {
	const box = $('figures');
	box.replaceChildren();
	for (const name of KEY) {
		const f = FIELDS.find((x) => x[0] === name);
		const card = el('div', 'fig');
		card.dataset.field = name;
		card.append(el('div', 'v', figure(total, f)), bi(f[3], f[4], 'div'));
		box.append(card);
	}
}

function renderTable(s) {
	const table = $('stats-table');
	const cols = s.by === 'service' ? FIELDS.concat(APPT) : FIELDS;
	const g = GROUPS.find((x) => x[0] === s.by);
	table.tHead.replaceChildren(headRow(cols, bi(g[1], g[2])));
	table.tBodies[0].replaceChildren(...s.rows.map((r) => dataRow(s.by, r, cols)));
	if (!s.rows.length) {
		const td = el('td', 'muted', bi('此范围内没有取号', 'No tickets in this range'));
		td.colSpan = cols.length + 1;
		table.tBodies[0].append(el('tr', '', td));
	}
	const foot = dataRow(s.by, s.total, cols);
	foot.classList.add('total');
	table.tFoot.replaceChildren(foot);
}

function chart(id) {
	if (!window.echarts)
		return null;
	if (!charts[id]) {
		charts[id] = window.echarts.init($(id), null, { renderer: 'svg', locale: 'ZH' });
	}
	return charts[id];
}

const BASE = {
	animation: false,
	aria: { enabled: true },
	textStyle: { fontFamily: 'system-ui, "Noto Sans CJK SC", sans-serif', fontSize: 13 },
	grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
	tooltip: { trigger: 'axis' },
	legend: { top: 0 },
	color: ['#0a58ca', '#b35c00', '#0f6b2b'],
};

function renderCharts(got) {
	const min = (s) => Math.round(s / 6) / 10;
	const hours = got.hour.rows;
	const h = chart('chart-hour');
	if (!h)
		return;
	h.setOption({
		...BASE,
		xAxis: { type: 'category', data: hours.map((r) => r.key + ':00') },
		yAxis: { type: 'value', name: t('分钟', 'min') },
		series: [
			{ name: t('平均', 'mean'), type: 'bar', barMaxWidth: 48, data: hours.map((r) => (r.called ? min(r.wait_mean_s) : null)) },
			{ name: 'P90', type: 'line', data: hours.map((r) => (r.called ? min(r.wait_p90_s) : null)) },
		],
	}, true);
	const svc = got.service.rows;
	chart('chart-service').setOption({
		...BASE,
		grid: { ...BASE.grid, bottom: 8 },
		xAxis: { type: 'category', data: svc.map((r) => serviceName(r.key).split(' ')[0]),
			 axisLabel: { interval: 0, rotate: svc.length > 6 ? 35 : 0 } },
		yAxis: { type: 'value' },
		series: [
			{ name: t('取号', 'issued'), type: 'bar', data: svc.map((r) => r.issued) },
			{ name: t('办结', 'served'), type: 'bar', data: svc.map((r) => r.served) },
		],
	}, true);
	const ctr = got.counter.rows.filter((r) => r.rated);
	chart('chart-counter').setOption({
		...BASE,
		legend: { show: false },
		tooltip: { trigger: 'axis', valueFormatter: (v) => v + '%' },
		xAxis: { type: 'category', data: ctr.map((r) => r.key), name: t('窗口', 'counter') },
		yAxis: { type: 'value', min: 0, max: 100, name: '%' },
		series: [{
			name: t('满意率', 'satisfaction'), type: 'bar', barMaxWidth: 48, data: ctr.map((r) => Math.round(r.satisfaction_rate * 1000) / 10),
			itemStyle: { color: '#0f6b2b' }, label: { show: true, position: 'top', formatter: '{c}%' },
		}],
		graphic: ctr.length ? [] : [{ type: 'text', left: 'center', top: 'middle',
			style: { text: t('此范围内没有评价', 'No reviews in this range'), fill: '#4f5963', fontSize: 14 } }],
	}, true);
}

/* ---- the appraisal ---- */

const WINDOW_COLS = [
	['served', 'int', '', '办结', 'Served'], ['on_time_rate', 'rate', 'called', '按时率', 'On time'],
	['wait_mean_s', 'secs', 'called', '平均等候', 'Wait avg'],
	['satisfaction_rate', 'rate', 'reviews', '满意率', 'Satisfaction'],
	['mean_level', 'score', 'reviews', '平均分', 'Mean level'], ['bad_reviews', 'int', '', '差评', 'Bad'],
	['rectify_rate', 'rate', 'bad_reviews', '整改率', 'Rectified'], ['alerts', 'int', '', '告警', 'Alerts'],
	['absences', 'int', '', '缺岗', 'Absences'], ['penalty', 'num', '', '扣分', 'Penalty'],
	['score', 'num', '', '得分', 'Score'],
];

function appraisalRows(table, rows, kind) {
	const cols = kind === 'window' ? WINDOW_COLS : WINDOW_COLS.filter((c) => c[0] !== 'absences');
	const first = el('span', '', bi('名次', 'Rank'));
	const tr = headRow(cols, first);
	const who = el('th', '', kind === 'window' ? bi('窗口', 'Counter') : bi('工作人员', 'Clerk'));
	who.scope = 'col';
	tr.insertBefore(who, tr.children[1]);
	table.tHead.replaceChildren(tr);
	table.tBodies[0].replaceChildren(...rows.map((w) => {
		const r = el('tr', w.red_flag ? 'red-flag' : '');
		r.dataset.key = kind === 'window' ? w.counter : w.clerk;
		const rank = el('th', 'num', w.rank === null ? '—' : w.rank);
		rank.scope = 'row';
		const name = el('td', 'name', kind === 'window' ? counterName(w.counter) : (w.name || w.clerk) + ' · ' + w.clerk);
		if (w.red_flag)
			name.append(' ', el('span', 'flag', bi('红旗窗口', 'Red flag')));
		r.append(rank, name);
		for (const c of cols) {
			const td = el('td', 'num', c[1] === 'num' ? String(w[c[0]]) : figure(w, c));
			td.dataset.field = c[0];
			r.append(td);
		}
		return r;
	}));
	if (!rows.length) {
		const td = el('td', 'muted', bi('本月没有数据', 'Nothing this month'));
		td.colSpan = cols.length + 2;
		table.tBodies[0].append(el('tr', '', td));
	}
}

async function loadAppraisal() {
	const month = $('month').value;
	if (!month)
		return;
	const a = await api('GET', '/api/v1/reports/appraisal?month=' + month);
	appraisalRows($('windows-table'), a.windows, 'window');
	appraisalRows($('clerks-table'), a.clerks, 'clerk');
	const csv = $('appraisal-csv');
	csv.href = '/api/v1/reports/appraisal?month=' + month + '&format=csv';
	csv.download = 'hallq-appraisal-' + month + '.csv';
}

/* ---- the cases ---- */

async function loadCases() {
	const f = $('case-filter').value;
	const q = f === 'all' ? '?state=all' : f === 'overdue' ? '?overdue=1' : '';
	const r = await api('GET', '/api/v1/cases' + q);
	const table = $('cases-table');
	const tr = el('tr');
	for (const [zh, en, num] of [['编号', 'No.', 1], ['票号', 'Ticket'], ['窗口', 'Counter'], ['工作人员', 'Clerk'],
		['评价', 'Review'], ['状态', 'State'], ['立案', 'Opened'], ['整改期限', 'Rectify by'],
		['回访期限', 'Revisit by'], ['', '']])
		tr.append(el('th', num ? 'num' : '', zh ? bi(zh, en) : ''));
	table.tHead.replaceChildren(tr);
	table.tBodies[0].replaceChildren(...r.cases.map(caseRow));
	$('no-cases').hidden = r.cases.length > 0;
}

function caseRow(c) {
	const rv = c.review || {};
	const tr = el('tr', c.overdue ? 'overdue' : '');
	tr.dataset.case = c.id;
	const lv = LEVEL_NAMES[rv.level] || [String(rv.level), ''];
	const review = el('td', 'review', bi(lv[0], lv[1], 'b'));
	const reasons = (rv.reasons || []).map((x) => t(...(REASON_NAMES[x] || [x, ''])));
	if (reasons.length)
		review.append(el('div', 'muted', reasons.join('、')));
	if (rv.comment)
		review.append(el('div', 'comment', '“' + rv.comment + '”'));
	const st = CASE_STATES[c.state] || [c.state, ''];
	const state = el('td', 'state', bi(st[0], st[1]));
	if (c.overdue)
		state.append(' ', el('span', 'late', bi('逾期', 'Overdue')));
	const act = el('td', 'act');
	const open = el('button', '', bi('详情', 'Details'));
	open.type = 'button';
	open.setAttribute('aria-expanded', 'false');
	act.append(open);
	tr.append(el('td', 'num', c.id), el('td', '', rv.label || ''), el('td', '', rv.counter ? counterName(rv.counter) : ''),
		  el('td', '', rv.clerk ? clerkName(rv.clerk) : ''), review, state,
		  el('td', '', (c.opened_at || '').slice(0, 10)), el('td', 'due', c.rectify_due || '—'),
		  el('td', 'due', c.revisit_due || '—'), act);
	open.addEventListener('click', () => toggleCase(tr, c, open));
	return tr;
}

async function toggleCase(tr, c, button) {
	const next = tr.nextElementSibling;
	if (next && next.classList.contains('steps')) {
		next.remove();
		button.setAttribute('aria-expanded', 'false');
		return;
	}
	button.setAttribute('aria-expanded', 'true');
	const row = el('tr', 'steps');
	const td = el('td');
	td.colSpan = tr.children.length;
	row.append(td);
	tr.after(row);
	try {
		const full = await api('GET', '/api/v1/cases/' + c.id);
		fillCase(td, full);
	} catch (e) {
		td.append(el('p', 'error', e.message));
	}
}

function fillCase(td, c) {
	td.replaceChildren();
	const ol = el('ol', 'step-list');
	for (const s of c.steps || []) {
		const st = CASE_STATES[s.state] || [s.state, ''];
		ol.append(el('li', '', el('b', '', t(st[0], st[1])), ' · ', (s.at || '').slice(0, 16).replace('T', ' '),
			     ' · ', s.who, s.note ? ' · ' + s.note : ''));
	}
	td.append(ol);
	const step = NEXT_STEP[c.state];
	if (!step)
		return;
	const form = el('form', 'step-form');
	const who = el('input');
	Object.assign(who, { name: 'who', required: true, maxLength: 63, autocomplete: 'off' });
	try {
		who.value = localStorage.getItem('hallq.who') || '';
	} catch (e) { /* no storage */ }
	const note = el('input');
	Object.assign(note, { name: 'note', maxLength: 200, autocomplete: 'off' });
	const go = el('button', 'primary', bi(step[1], step[2]));
	go.type = 'submit';
	const msg = el('span', 'error');
	form.append(el('label', '', bi('经办人', 'Who'), who), el('label', '', bi('说明', 'Note'), note), go, msg);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		go.disabled = true;
		try {
			const done = await api('POST', '/api/v1/cases/' + c.id + '/' + step[0],
					       { who: who.value.trim(), note: note.value.trim() });
			try {
				localStorage.setItem('hallq.who', who.value.trim());
			} catch (e) { /* no storage */ }
			const tr = td.parentElement.previousElementSibling;
			const fresh = caseRow(done);
			tr.replaceWith(fresh);
			fresh.querySelector('.act button').setAttribute('aria-expanded', 'true');
			fillCase(td, done);
		} catch (e) {
			msg.textContent = e.message;
			go.disabled = false;
		}
	});
	td.append(form);
}

/* ---- the page ---- */

function setRange(r) {
	range = r;
	$('from').value = r.from;
	$('to').value = r.to;
	for (const b of document.querySelectorAll('[data-pick]')) {
		const p = pick(b.dataset.pick);
		b.setAttribute('aria-pressed', String(p.from === r.from && p.to === r.to));
	}
	return loadStats().then(() => showError(null), showError);
}

function tabs() {
	const box = $('groups');
	for (const [key, zh, en] of GROUPS) {
		const b = el('button', '', bi(zh, en));
		b.type = 'button';
		b.setAttribute('role', 'tab');
		b.dataset.group = key;
		b.setAttribute('aria-selected', String(key === group));
		b.addEventListener('click', () => {
			group = key;
			for (const x of box.children)
				x.setAttribute('aria-selected', String(x.dataset.group === group));
			loadStats().catch(showError);
		});
		box.append(b);
	}
}

async function main() {
	const accept = (s) => (s.role === 'manager' || s.role === 'admin' ? ''
		: t('此页需要主任或管理员的令牌', 'This page needs a manager or admin token'));
	try {
		await signedIn($('signin'), { kinds: ['token'], accept });
		await loadHall();
		const r = await api('GET', '/api/v1/clerks');
		clerks = new Map(r.clerks.map((c) => [c.id, c.name]));
	} catch (e) {
		showError(e);
		return;
	}
	$('page').hidden = false;
	$('nav').hidden = false;
	$('signout').addEventListener('click', async () => {
		await signOut();
		location.reload();
	});
	tabs();
	for (const b of document.querySelectorAll('[data-pick]'))
		b.addEventListener('click', () => setRange(pick(b.dataset.pick)));
	const typed = () => {
		const from = $('from').value, to = $('to').value;
		if (from && to && from <= to)
			setRange({ from, to });
		else if (from && to)
			showError(new Error(t('开始日期晚于结束日期', 'The first day is after the last')));
	};
	$('from').addEventListener('change', typed);
	$('to').addEventListener('change', typed);
	$('month').value = hallToday().slice(0, 7);
	$('month').addEventListener('change', () => loadAppraisal().catch(showError));
	$('case-filter').addEventListener('change', () => loadCases().catch(showError));
	window.addEventListener('resize', () => {
		for (const c of Object.values(charts))
			c.resize();
	});
	await Promise.all([setRange(pick('today')), loadAppraisal(), loadCases()]).catch(showError);
	document.body.dataset.ready = '1';
}

main();
