/*
 * The citizen's hands on the kiosk: a touch on a button the last frame drew, or a key on a
 * kiosk with hardware buttons or a keyboard for accessibility, becomes one action, and the
 * action moves between the screens (the priority path, the appointment keypad, the pages
 * of services, back and dismiss) or asks flow.c for a ticket, or rate.c to review one.
 */
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "hq_clock.h"
#include "hq_hall.h"
#include "kiosk_app.h"
#include "render.h"

#define DISMISS_GUARD_MS 600   /* a touch this soon after a screen came does not dismiss it */

/* The priority path: whom the ticket is for, then which service. */
static void take_category(struct hq_kiosk *a, int cat)
{
	if (cat < 0 || cat >= HQ_KCAT_N)
		return;
	a->v.category = cat;
	hq_kiosk_go(a, HQ_KS_SERVICES);
	hq_kiosk_make_list(a);
	/* The green channel with one lane service needs no second choice. */
	if (cat == HQ_KCAT_GREEN && a->v.nlist == 1)
		hq_kiosk_take_service(a, a->v.list[0]);
}

static void act(struct hq_kiosk *a, enum hq_kact k, int arg)
{
	struct hq_kview *v = &a->v;
	int per, w, h;

	a->last_touch_ms = hq_mono_ms();
	switch (k) {
	case HQ_KA_NONE:
		return;
	case HQ_KA_SERVICE:
		hq_kiosk_take_service(a, arg);
		break;
	case HQ_KA_LANG:
		v->en = !v->en;
		break;
	case HQ_KA_PRIORITY:
		hq_kiosk_go(a, HQ_KS_PRIORITY);
		break;
	case HQ_KA_APPOINT:
		v->code[0] = v->msg_zh[0] = v->msg_en[0] = '\0';
		hq_kiosk_go(a, HQ_KS_KEYPAD);
		break;
	case HQ_KA_CATEGORY:
		take_category(a, arg);
		break;
	case HQ_KA_RATE:
		if (v->screen == HQ_KS_HOME)
			hq_kiosk_rate_start(a);
		break;
	case HQ_KA_LETTER:
		hq_kiosk_rate_type(a, (char)arg);
		break;
	case HQ_KA_LEVEL:
		hq_kiosk_rate_level(a, arg);
		break;
	case HQ_KA_REASON:
		hq_kiosk_rate_reason(a, (unsigned)arg);
		break;
	case HQ_KA_SUBMIT:
		hq_kiosk_rate_submit(a);
		break;
	case HQ_KA_DIGIT:
		if (v->screen == HQ_KS_RATE_NUMBER) {
			hq_kiosk_rate_type(a, (char)('0' + arg));
			break;
		}
		if (strlen(v->code) < 6) {
			size_t n = strlen(v->code);

			v->code[n] = (char)('0' + arg);
			v->code[n + 1] = '\0';
		}
		v->msg_zh[0] = v->msg_en[0] = '\0';
		break;
	case HQ_KA_DELETE:
		if (v->screen == HQ_KS_RATE_NUMBER)
			hq_kiosk_rate_delete(a);
		else if (*v->code)
			v->code[strlen(v->code) - 1] = '\0';
		break;
	case HQ_KA_OK:
		if (v->screen == HQ_KS_RATE_NUMBER) {
			hq_kiosk_rate_lookup(a);
			break;
		}
		if (strlen(v->code) != 6) {
			snprintf(v->msg_zh, sizeof v->msg_zh, "预约码是6位数字");
			snprintf(v->msg_en, sizeof v->msg_en, "The code has 6 digits");
			break;
		}
		hq_kiosk_request(a, NULL, NULL, NULL, v->code);
		break;
	case HQ_KA_BACK:
		if (v->screen == HQ_KS_SERVICES)
			hq_kiosk_go(a, HQ_KS_PRIORITY);
		else if (v->screen == HQ_KS_RATE_NUMBER || v->screen == HQ_KS_RATE_LEVEL ||
			 v->screen == HQ_KS_RATE_REASONS)
			hq_kiosk_rate_back(a);
		else
			hq_kiosk_go_home(a);
		break;
	case HQ_KA_PAGE:
		hq_ren_size(a->ui.ren, &w, &h);
		per = hq_kscreen_per_page(a->scr, w, h);
		v->page += arg;
		if (v->page < 0 || v->page * per >= v->nlist)
			v->page = 0;
		v->focus = -1;
		break;
	case HQ_KA_DISMISS:
		if (v->screen == HQ_KS_MESSAGE && *v->code)
			hq_kiosk_go(a, HQ_KS_KEYPAD);
		else
			hq_kiosk_go_home(a);
		break;
	}
	a->dirty = true;
}

/* Kiosks with hardware buttons, and keyboards for accessibility: 1–9 choose the Nth item,
 * arrows move the focus, Enter takes it, Escape goes back. */
void hq_kiosk_key(struct hq_kiosk *a, const SDL_Keysym *ks)
{
	struct hq_kview *v = &a->v;
	SDL_Keycode c = ks->sym;
	int digit = c >= SDLK_0 && c <= SDLK_9 ? (int)(c - SDLK_0)
		  : c >= SDLK_KP_1 && c <= SDLK_KP_9 ? (int)(c - SDLK_KP_1) + 1
		  : c == SDLK_KP_0 ? 0 : -1;
	bool enter = c == SDLK_RETURN || c == SDLK_KP_ENTER;
	int per, w, h, n;

	if (c == SDLK_F12) {
		a->shots_wanted++;
		return;
	}
	if (c == SDLK_q && (ks->mod & KMOD_CTRL)) {
		a->quit = true;
		return;
	}
	hq_ren_size(a->ui.ren, &w, &h);
	per = hq_kscreen_per_page(a->scr, w, h);
	n = v->nlist - v->page * per < per ? v->nlist - v->page * per : per;
	switch (v->screen) {
	case HQ_KS_HOME:
	case HQ_KS_SERVICES:
		if (digit >= 1 && digit <= n && digit <= 9)
			act(a, HQ_KA_SERVICE, v->list[v->page * per + digit - 1]);
		else if ((c == SDLK_RIGHT || c == SDLK_DOWN || c == SDLK_TAB) && n)
			v->focus = (v->focus + 1) % n, a->dirty = true;
		else if ((c == SDLK_LEFT || c == SDLK_UP) && n)
			v->focus = (v->focus + n - 1) % n, a->dirty = true;
		else if (enter && v->focus >= 0 && v->focus < n)
			act(a, HQ_KA_SERVICE, v->list[v->page * per + v->focus]);
		else if (c == SDLK_PAGEDOWN || c == SDLK_PAGEUP)
			act(a, HQ_KA_PAGE, c == SDLK_PAGEDOWN ? 1 : -1);
		else if (c == SDLK_ESCAPE && v->screen == HQ_KS_SERVICES)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_PRIORITY:
		if (digit >= 1 && digit <= HQ_KCAT_N)
			act(a, HQ_KA_CATEGORY, digit - 1);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_KEYPAD:
		if (digit >= 0)
			act(a, HQ_KA_DIGIT, digit);
		else if (c == SDLK_BACKSPACE)
			act(a, HQ_KA_DELETE, 0);
		else if (enter)
			act(a, HQ_KA_OK, 0);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_TICKET:
	case HQ_KS_MESSAGE:
	case HQ_KS_RATE_THANKS:
		if (enter || c == SDLK_ESCAPE || c == SDLK_SPACE)
			act(a, HQ_KA_DISMISS, 0);
		break;
	case HQ_KS_RATE_NUMBER:
		if (digit >= 0)
			act(a, HQ_KA_DIGIT, digit);
		else if (c >= SDLK_a && c <= SDLK_z)
			act(a, HQ_KA_LETTER, (int)(c - SDLK_a) + 'A');
		else if (c == SDLK_BACKSPACE)
			act(a, HQ_KA_DELETE, 0);
		else if (enter)
			act(a, HQ_KA_OK, 0);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_RATE_LEVEL:
		if (digit >= HQ_LEVEL_MIN && digit <= HQ_LEVEL_MAX)
			act(a, HQ_KA_LEVEL, digit);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_RATE_REASONS:
		if (digit >= 1 && digit <= HQ_KREASON_N)
			act(a, HQ_KA_REASON, 1 << (digit - 1));
		else if (enter)
			act(a, HQ_KA_SUBMIT, 0);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	default:
		break;
	}
}

void hq_kiosk_touch(struct hq_kiosk *a, int x, int y)
{
	int arg = 0;
	enum hq_kact k;

	/* A double touch: the second one, taken before the frame the first one made is up, would
	 * land on a button that is gone (a second ticket, a second review). One touch a frame. */
	if (a->touched)
		return;
	k = hq_kscreen_hit(a->scr, x, y, &arg);
	/* Nor may it take away the screen the first one brought, once drawn: a ticket, a
	 * review's thanks. A deliberate touch comes later. */
	if (k == HQ_KA_DISMISS && hq_mono_ms() - a->screen_since_ms < DISMISS_GUARD_MS)
		return;
	a->touched = k != HQ_KA_NONE;
	act(a, k, arg);
}
