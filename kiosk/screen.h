/*
 * The kiosk's screens: what each looks like and where its buttons are. The kiosk's main
 * thread (kiosk_app.h) fills a struct hq_kview with what to show; hq_kscreen_draw() draws
 * the whole frame from it with the renderer (../ui/render.h) and remembers the buttons it
 * drew, so that hq_kscreen_hit() can say which one a touch landed on. Layouts follow the
 * window: a portrait kiosk (1080×1920) gets two columns of services, a landscape one four.
 *
 * Ownership: hq_kscreen_new() returns a screen that hq_kscreen_free() frees (NULL is
 * fine). The view and the hall it points to stay the caller's.
 */
#ifndef HQ_KIOSK_SCREEN_H
#define HQ_KIOSK_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "hq_client.h"
#include "render.h"

enum hq_kscreen_id {
	HQ_KS_START,            /* waiting for the first hall read */
	HQ_KS_HOME,             /* one button per service */
	HQ_KS_PRIORITY,         /* who the priority ticket is for */
	HQ_KS_SERVICES,         /* which service, for a priority ticket */
	HQ_KS_KEYPAD,           /* the appointment code */
	HQ_KS_ISSUING,          /* the request is with hallqd */
	HQ_KS_TICKET,           /* the number */
	HQ_KS_MESSAGE,          /* why not */
	HQ_KS_UNAVAILABLE,      /* hallqd does not answer */
	HQ_KS_RATE_NUMBER,      /* 评价服务: the ticket's number, typed */
	HQ_KS_RATE_LEVEL,       /* its five levels */
	HQ_KS_RATE_REASONS,     /* what went wrong, for a level of 1 or 2 */
	HQ_KS_RATE_WAIT,        /* the look-up or the review is with hallqd */
	HQ_KS_RATE_THANKS       /* thank you */
};
const char *hq_kscreen_name(enum hq_kscreen_id id);

enum hq_kact {
	HQ_KA_NONE, HQ_KA_SERVICE, HQ_KA_LANG, HQ_KA_PRIORITY, HQ_KA_APPOINT, HQ_KA_CATEGORY,
	HQ_KA_DIGIT, HQ_KA_DELETE, HQ_KA_OK, HQ_KA_BACK, HQ_KA_PAGE, HQ_KA_DISMISS,
	HQ_KA_RATE, HQ_KA_LETTER, HQ_KA_LEVEL, HQ_KA_REASON, HQ_KA_SUBMIT
};

/* The priority categories, in the order the screen shows them. */
#define HQ_KCAT_N 3
#define HQ_KCAT_GREEN 2         /* the green channel: the hall's priority-lane services */
extern const char *const hq_kcat_zh[HQ_KCAT_N], *const hq_kcat_en[HQ_KCAT_N];

/* The review's levels, 1..5 at index level - 1, and its reasons in bit order (HQ_REASON_). */
#define HQ_KREASON_N 4
extern const char *const hq_klevel_zh[5], *const hq_klevel_en[5];
extern const char *const hq_kreason_zh[HQ_KREASON_N], *const hq_kreason_en[HQ_KREASON_N];

/* A review (好差评) at the kiosk: the number typed, then the ticket it found. */
struct hq_krate_view {
	char typed[12];             /* HQ_KS_RATE_NUMBER: typed so far */
	char letters[27];           /* the letters of the hall's prefixes, its keypad's letter keys */
	int64_t ticket;             /* the ticket found: its id, label, service and counter */
	char label[16];
	char service[128], service_en[128];
	char counter[128], counter_en[128];
	int old_level;              /* the review it has, which a new one replaces; 0 none */
	char until[8];              /* "10:31": until when it may be changed */
	int level;                  /* chosen */
	unsigned reasons;           /* chosen, HQ_REASON_ bits */
	bool kept;                  /* HQ_KS_RATE_THANKS: hallqd did not answer, the kiosk keeps it */
	bool case_opened;           /* HQ_KS_RATE_THANKS: a bad review's case is open */
};

/* A service no open counter serves has no estimate (HQ_EST_NONE): these words instead, and
 * with the time its hours open later today these (docs/kiosk.md; the same everywhere). */
#define HQ_KNOEST_ZH "窗口暂未开放"
#define HQ_KNOEST_EN "No counter open yet"
#define HQ_KOPENS_ZH "约 %s 后开始办理"       /* %s: "HH:MM" */
#define HQ_KOPENS_EN "Service from about %s"

struct hq_kticket_view {
	char label[16];
	char service[128], service_en[128];
	char cls_zh[128], cls_en[128];
	char url[320];
	int ahead, wait_min;        /* -1: not known, left out */
	int range_min[2];           /* with wait_min >= 0, the range in minutes to show instead
				       (estimate_display = range); {0, 0}: none */
	bool no_counter;            /* no estimate: no counter serving it is open */
	char opens_at[6];           /* with no_counter: "HH:MM" its hours open, or "" */
	bool show_qr;               /* not on paper: the QR code on the screen instead */
	char note_zh[192], note_en[192];
};

struct hq_kview {
	enum hq_kscreen_id screen;
	bool en;                    /* English first (the language switch) */
	const struct hq_hall *hall; /* NULL before the first read */
	int list[64];               /* the services this screen offers, hall indexes */
	int nlist;
	int page;                   /* of the service list */
	int category;               /* HQ_KS_SERVICES: for whom */
	char code[8];               /* HQ_KS_KEYPAD: typed so far */
	char msg_zh[256], msg_en[256]; /* HQ_KS_MESSAGE, the keypads' errors, HQ_KS_UNAVAILABLE's note */
	struct hq_kticket_view t;
	struct hq_krate_view r;     /* the HQ_KS_RATE_ screens */
	char banner_zh[192], banner_en[192]; /* the printer's state, "" when all is well */
	bool banner_bad;            /* red (cannot print) rather than amber */
	bool refuse;                /* no tickets now (printer, and the hall says refuse) */
	bool priority, appointments;/* offer these paths */
	int focus;                  /* keyboard focus on the list, -1 none */
	int64_t wall_ms;            /* the clock */
	int countdown_s;            /* HQ_KS_TICKET / HQ_KS_MESSAGE: seconds to home */
};

struct hq_kscreen;

struct hq_kscreen *hq_kscreen_new(void);
void hq_kscreen_free(struct hq_kscreen *s);
/* The fixed texts of every screen (UTF-8), for checking the font. */
const char *hq_kscreen_fixed_text(void);
/* How many services a page shows at this window size. */
int hq_kscreen_per_page(struct hq_kscreen *s, int w, int h);
/* Draw the whole frame (nothing shows until hq_ren_present()). */
void hq_kscreen_draw(struct hq_kscreen *s, struct hq_ren *r, const struct hq_kview *v);
/* The button under (x, y) in the last frame: its action, *arg its argument (the service's
 * hall index, the category, the digit, the page step, the letter, the level, the reason's
 * bit). HQ_KA_NONE when none. */
enum hq_kact hq_kscreen_hit(const struct hq_kscreen *s, int x, int y, int *arg);
/* Service i of the hall: can a ticket be taken now? Why not, in both languages. */
bool hq_kservice_open(const struct hq_hall_service *sv, const char **why_zh, const char **why_en);

#endif
