/*
 * The kiosk's main thread, shared by the files it is made of: main.c parses the options,
 * starts the kiosk and runs its loop; input.c turns touches and keys into the citizen's
 * choices; messages.c takes what the network and printer threads post back; rate.c carries a
 * citizen's review (好差评) from the typed number to hallqd; flow.c moves between the screens
 * and carries a request through the spool to hallqd and on to paper or the screen. All of
 * them work on the one struct hq_kiosk, which only the main thread touches. Calls go one
 * way: main.c calls the others, input.c and messages.c call rate.c and flow.c, rate.c calls
 * flow.c, and flow.c calls none of them.
 *
 * Ownership: the struct is main.c's, zeroed before use. The hall, the spool, the screen,
 * the threads and the window in it are freed by main.c at shutdown; a message given to
 * hq_kiosk_take_msg() is freed by it.
 */
#ifndef HQ_KIOSK_APP_H
#define HQ_KIOSK_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>
#include <jansson.h>

#include "app.h"
#include "hq_client.h"
#include "kiosk.h"
#include "net.h"
#include "printer.h"
#include "printq.h"
#include "screen.h"
#include "spool.h"

#define HQ_KIOSK_NAME_MAX 32    /* --name, or the host's name in its place */

struct hq_kiosk_opts {
	const char *url, *token, *printer, *shot_dir, *font, *spool, *preview_dir;
	char name[HQ_KIOSK_NAME_MAX + 1];
	int win_w, win_h, display, report_s, poll_ms;
	bool fullscreen;
};

struct hq_kiosk {
	struct hq_kiosk_opts o;
	struct hq_app ui;           /* the window, its renderer and font, the signal thread */
	struct hq_kscreen *scr;
	struct hq_net *net;
	struct hq_printq *pq;
	bool has_printer;           /* --printer is not none */
	struct hq_spool *spool;
	struct hq_hall *hall;
	struct hq_kview v;
	Uint32 ev_msg;
	int link;                   /* -1 unknown, 0 no, 1 yes */
	struct hq_printer_status pst;
	bool pst_known;
	char pst_why[256];
	char run_id[20];
	unsigned seq;
	char cur_key[HQ_IDEM_KEY_MAX];   /* the request of the citizen in front of the kiosk */
	char rate_key[HQ_IDEM_KEY_MAX];  /* ... their review's look-up or review, awaited */
	int64_t screen_since_ms, last_touch_ms, deadline_ms;
	long issued, printed;
	int64_t hall_ms, hall_mono; /* hallqd's time at the last hall read, and ours then */
	bool quit, ready, dirty, trace;
	bool touched;               /* a touch acted since the last frame: the buttons shown are old */
	char shown[64];             /* what the last "screen" line said */
	int shots_wanted;
};

/* ---- flow.c: the screens, the printer's state, a ticket's way --------------------------- */

/* One line on stdout for tests and scripts (see main.c), flushed at once. */
void hq_kiosk_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Show screen s, with its countdown when it has one. */
void hq_kiosk_go(struct hq_kiosk *a, enum hq_kscreen_id s);
/* Forget the citizen's choice and show home (or why there is none). */
void hq_kiosk_go_home(struct hq_kiosk *a);
/* The message screen, with why in both languages. */
void hq_kiosk_message(struct hq_kiosk *a, const char *zh, const char *en);
/* Fill the view's service list for the screen shown. */
void hq_kiosk_make_list(struct hq_kiosk *a);

bool hq_kiosk_printer_ok(const struct hq_kiosk *a);
/* "none", "offline" or the printer's state name, as stdout and the health report say it. */
const char *hq_kiosk_printer_state(const struct hq_kiosk *a);
/* Why a ticket cannot go on paper now, as the citizen reads it. */
void hq_kiosk_printer_words(const struct hq_kiosk *a, const char **zh, const char **en);
/* The printer's banner, and whether tickets are refused while it cannot print. */
void hq_kiosk_update_banner(struct hq_kiosk *a);
/* The printer's state and the counts, for hallqd's list of kiosks. */
void hq_kiosk_report_health(struct hq_kiosk *a);

/* A string of a ticket's JSON, "" when it has none. */
const char *hq_kiosk_jstr(json_t *t, const char *key);
/* A new idempotency key, "kiosk-NAME-RUN-SEQ", never used before by any run of the kiosk. */
void hq_kiosk_new_key(struct hq_kiosk *a, char *key, size_t n);

/* Ask for a ticket (service and class) or an appointment check-in (code): spooled, then
 * sent; refused at once when the printer is down and the hall says so. */
void hq_kiosk_request(struct hq_kiosk *a, const char *service, const char *cls, const char *category,
		      const char *code);
/* The citizen chose the hall's service idx on the list shown. */
void hq_kiosk_take_service(struct hq_kiosk *a, int idx);
/* The ticket screen for spooled ticket e, which becomes the citizen's. */
void hq_kiosk_show_ticket(struct hq_kiosk *a, struct hq_spool_entry *e);
/* The ticket shown is not on paper: its QR code on the screen, and why. */
void hq_kiosk_note_unprinted(struct hq_kiosk *a);
/* To the printer thread; a reprint says so and leaves out the figures, old by then. */
void hq_kiosk_queue_print(struct hq_kiosk *a, struct hq_spool_entry *e, bool reprint);
/* Every ticket still owed on paper, once the printer can print. */
void hq_kiosk_print_owed(struct hq_kiosk *a);

/* ---- rate.c: a review (好差评) of a ticket whose number the citizen types ------------------ */

/* The number keypad, empty, with the letters of the hall's prefixes. */
void hq_kiosk_rate_start(struct hq_kiosk *a);
/* A key of the number keypad: a letter or a digit; the last one undone. */
void hq_kiosk_rate_type(struct hq_kiosk *a, char c);
void hq_kiosk_rate_delete(struct hq_kiosk *a);
/* Look the typed number up (HQ_KS_RATE_WAIT), or say on the keypad why it is not one. */
void hq_kiosk_rate_lookup(struct hq_kiosk *a);
/* The choices: a level (a bad one asks for reasons, a good one is sent), a reason turned on
 * or off, the reasons sent; back one screen. Each only on its own screen, so that a second
 * touch that lands after the screen changed does nothing. */
void hq_kiosk_rate_level(struct hq_kiosk *a, int level);
void hq_kiosk_rate_reason(struct hq_kiosk *a, unsigned bit);
void hq_kiosk_rate_submit(struct hq_kiosk *a);
void hq_kiosk_rate_back(struct hq_kiosk *a);
/* hallqd's answers: HQ_KM_FOUND, HQ_KM_NOT_FOUND, HQ_KM_REVIEWED, HQ_KM_REVIEW_REFUSED. */
void hq_kiosk_rate_found(struct hq_kiosk *a, struct hq_kmsg *m);
void hq_kiosk_rate_not_found(struct hq_kiosk *a, struct hq_kmsg *m);
void hq_kiosk_rate_reviewed(struct hq_kiosk *a, struct hq_kmsg *m);
void hq_kiosk_rate_refused(struct hq_kiosk *a, struct hq_kmsg *m);
/* The citizen waits for a review hallqd does not answer: it stays in the spool, to go when
 * hallqd is back, and the citizen is thanked now. False when no review is awaited. */
bool hq_kiosk_rate_keep(struct hq_kiosk *a);
/* HQ_KS_RATE_WAIT waited too long: the review is kept, or a look-up given up. */
void hq_kiosk_rate_timeout(struct hq_kiosk *a);

/* ---- messages.c: what the threads say --------------------------------------------------- */

/* The threads' hq_kpost_fn (ctx is the kiosk): the message goes to the main thread as an
 * SDL event of type ev_msg. */
void hq_kiosk_post(void *ctx, struct hq_kmsg *m);
/* On the main thread: act on the message and free it. */
void hq_kiosk_take_msg(struct hq_kiosk *a, struct hq_kmsg *m);

/* ---- input.c: touches and keys ---------------------------------------------------------- */

void hq_kiosk_key(struct hq_kiosk *a, const SDL_Keysym *ks);
/* A touch (or a click) at (x, y) of the last frame. */
void hq_kiosk_touch(struct hq_kiosk *a, int x, int y);

#endif
