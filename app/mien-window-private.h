/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of MienWindow share: the instance struct and the functions
 * one concern calls in another. Each mien-window-*.c file owns one concern:
 *   mien-window.c          the type, rendering frames, the status line
 *   mien-window-actions.c  the window's actions (their keys: mien-accels.c),
 *                          and the focus given back after a menu closes
 *   mien-window-undo.c     undo / redo of slider work
 *   mien-window-open.c     loading photos and projects: dialog, drop, recent
 *   mien-window-save.c     projects, and asking before losing work
 *   mien-window-image.c    Save Image and Copy Image
 *   mien-window-compare.c  views (result, split, difference, before), mode
 *   mien-window-measure.c  quality measures and the responsiveness log
 *   mien-window-drive.c    Drive with Video or Photo (the video's window:
 *                          mien-drive-dialog.c)
 * Only this directory includes this header. */
#pragma once

#include "mien-window.h"

#include "mien-engine-worker.h"
#include "mien-preview.h"
#include "mien-session.h"
#include "mien-slider-panel.h"

G_BEGIN_DECLS

typedef enum {
  MIEN_WINDOW_PENDING_NONE,
  MIEN_WINDOW_PENDING_CLOSE, /* close the window */
  MIEN_WINDOW_PENDING_OPEN,  /* open pending_file */
} MienWindowPending;

#define MIEN_WINDOW_UNDO_SETTLE_MS 400
/* The preview follows the zoom while a slider moves (a pyramid level, the
 * visible region); this long after the last move the full resolution
 * follows. */
#define MIEN_WINDOW_REFINE_MS 250
#define MIEN_WINDOW_UNDO_MAX_STEPS 200

struct _MienWindow {
  AdwApplicationWindow parent_instance;

  /* Template children. */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkStack *stack;
  MienPreview *preview;
  GtkBox *controls_box;
  GtkLabel *status_label;
  GMenu *recent_section;
  GtkMenuButton *menu_button, *view_button;
  GtkWidget *split_labels, *difference_legend;

  MienSliderPanel *sliders;
  GSettings *settings; /* NULL when the schema is not installed */
  GCancellable *load_cancellable;
  MienSession *session;
  GFile *photo_file;
  MienEngineWorker *worker;
  char *face_note; /* "face 1 of 3" for the status line */

  /* Save: the sliders as last saved (project or image) or loaded; the
   * project file of this work, if any; what to do once the user has
   * answered "Save changes?"; the file a Replace question is about. */
  mien_driving saved;
  char *project_path;
  MienWindowPending pending;
  GFile *pending_file;
  gboolean close_confirmed;
  char *replace_path;

  /* Compare: the view to return to when B (hold: the photo before) is
   * released; -1 while B is not held. */
  int view_before_b;

  /* Responsiveness measurement, on when $MIEN_RESPONSIVENESS_LOG is set. */
  char *responsiveness_log;
  gint64 last_tick_us, max_tick_gap_us, n_ticks, n_long_gaps;
  double max_tick_gap_at_ms; /* when the longest gap ended (ms since the first move) */
  guint64 last_change_serial;
  gint64 last_change_us, last_change_shown_us;
  guint64 n_frames_shown;
  gboolean measuring; /* from the user's first slider move on */
  /* Before that move, from the photo's opening: the longest gap between
   * ticks (the opening's own stall, logged apart from the drag's). */
  gint64 opening_max_tick_gap_us;
  double requested_scale; /* display scale of the last frame requested */
  /* The preview last requested: its level and region (level pixels), and
   * the refinement to full resolution pending after it. */
  int preview_level;
  mien_rect preview_region;
  gboolean preview_posted;
  guint refine_source;
  /* Responsiveness: moves posted and not yet on screen ({serial, time}),
   * and each move's time to the screen, in ms. */
  GArray *pending_moves, *move_latencies;
  gint64 measure_start_us;
  gint64 measure_start_thread_cpu_us; /* the main thread's CPU time then */
  double long_gap_at_ms[16], long_gap_ms[16]; /* the first 16 long gaps */

  /* Undo: `committed` is the state the undo stack's top leads to. */
  GArray *undo_stack, *redo_stack; /* of mien_driving */
  mien_driving committed;
  guint settle_source;
  gboolean restoring;
};

/* mien-window.c */
mien_reswarp_mode mien_window_current_mode (MienWindow *self);
/* Whether the window shows the paper's ResWarp (no residual fade; the
 * "paper-reswarp" action, p). */
gboolean mien_window_paper_reswarp (MienWindow *self);
void mien_window_request_frame (MienWindow *self);
void mien_window_update_status (MienWindow *self, const char *extra);

/* mien-window-actions.c */
void mien_window_class_install_actions (GtkWidgetClass *widget_class);
void mien_window_actions_init (MienWindow *self);

/* mien-window-undo.c */
void mien_window_undo_init (MienWindow *self);
void mien_window_undo_finalize (MienWindow *self);
void mien_window_undo_reset (MienWindow *self);
void mien_window_undo_update_actions (MienWindow *self);
/* A slider moved: a step is recorded once they settle. */
void mien_window_undo_note_change (MienWindow *self);
void mien_window_undo_action (GtkWidget *widget, const char *action,
                              GVariant *param);

/* mien-window-drive.c */
void mien_window_drive_action (GtkWidget *widget, const char *action,
                               GVariant *param);

/* mien-window-open.c */
void mien_window_open_init (MienWindow *self);
void mien_window_open_action (GtkWidget *widget, const char *action,
                              GVariant *param);
void mien_window_open_recent_action (GtkWidget *widget, const char *action,
                                     GVariant *param);

void mien_window_open_finalize (MienWindow *self);
/* Opens file without asking about unsaved work. */
void mien_window_load_file (MienWindow *self, GFile *file);

/* mien-window-image.c */
void mien_window_save_image_action (GtkWidget *widget, const char *action,
                                    GVariant *param);
void mien_window_copy_image_action (GtkWidget *widget, const char *action,
                                    GVariant *param);
/* "happy" (a preset, untouched), "neutral" or "edited", for file names. */
const char *mien_window_expression_name (MienWindow *self);
/* NAME-EXPRESSION.ext in dir, or beside the photo when dir is NULL. */
char *mien_window_suggest_path (MienWindow *self, const char *dir,
                                const char *ext);

/* mien-window-save.c */
void mien_window_save_project_action (GtkWidget *widget, const char *action,
                                      GVariant *param);
/* The work now on the sliders (c, or the sliders' state when NULL) is
 * saved. */
void mien_window_mark_saved (MienWindow *self, const mien_driving *c);
void mien_window_ask_about_unsaved_work (MienWindow *self,
                                         MienWindowPending pending,
                                         GFile *file);

/* mien-window-compare.c */
void mien_window_compare_init (MienWindow *self);
void mien_window_toggle_view_action (GtkWidget *widget, const char *action,
                                     GVariant *param);
void mien_window_toggle_mode_action (GtkWidget *widget, const char *action,
                                     GVariant *param);

/* mien-window-measure.c */
void mien_window_measure_action (GtkWidget *widget, const char *action,
                                 GVariant *param);
/* Starts the responsiveness log when $MIEN_RESPONSIVENESS_LOG is set. */
void mien_window_responsiveness_init (MienWindow *self);
/* The first slider move starts the measurement. */
void mien_window_responsiveness_note_change (MienWindow *self,
                                             gboolean by_user);
void mien_window_responsiveness_write (MienWindow *self);

G_END_DECLS
