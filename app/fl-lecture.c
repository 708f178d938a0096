/* Lecture-hall presentation (see fl-lecture.h). */
#include "fl-lecture.h"
#include <math.h>
#include <string.h>
#include "fl-frame-align.h"

#define HOLD_S 1.0   /* recycles mode: pause on each recycle's end */
#define MORPH_S 1.6  /* and the morph to the next */

struct _FlLecture {
  FlWindow *window;      /* weak */
  FlAccuracy *accuracy;  /* nullable, owned by the application */
  gboolean active, dark, playing, panels;
  FlLectureMode mode;
  GtkWidget *caption;
  GtkCssProvider *css;
  char *caption_text;
  guint tick;
  gint64 last_us;
  double t;              /* recycles mode: seconds into the playback */
  gulong frame_handler;
};

static FlTimeline *
timeline (FlLecture *self)
{
  return fl_window_get_timeline (self->window);
}

/* Index of the last frame of each recycle (timeline order). */
static GArray *
recycle_ends (FlLecture *self)
{
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (guint));
  FlTimeline *tl = timeline (self);
  guint n = fl_timeline_get_n_frames (tl);
  for (guint k = 0; k < n; k++)
    {
      FlFrame *f = fl_timeline_get_frame (tl, k);
      FlFrame *next = k + 1 < n ? fl_timeline_get_frame (tl, k + 1) : NULL;
      if (!next || next->recycle != f->recycle)
        g_array_append_val (ends, k);
    }
  return ends;
}

static void
set_caption (FlLecture *self, guint index, gboolean morphing, int to_recycle)
{
  FlTimeline *tl = timeline (self);
  if (index >= fl_timeline_get_n_frames (tl))
    {
      gtk_label_set_text (GTK_LABEL (self->caption), "");
      return;
    }
  FlFrame *f = fl_timeline_get_frame (tl, index);
  GString *s = g_string_new (NULL);
  if (morphing)
    g_string_append_printf (s, "Recycle %d → %d", f->recycle, to_recycle);
  else if (self->mode == FL_LECTURE_RECYCLES)
    g_string_append_printf (s, "End of recycle %d", f->recycle);
  else
    g_string_append_printf (s, "Recycle %d · layer %d of %d", f->recycle, f->layer + 1,
                            f->n_layers);
  g_string_append_printf (s, " · mean pLDDT %.1f", f->mean_plddt);
  FlCompareScores sc;
  if (self->accuracy && fl_accuracy_get_scores (self->accuracy, index, &sc))
    g_string_append_printf (s, " · TM-score %.2f · lDDT-Cα %.2f", sc.tm_score, sc.lddt_ca);
  if (self->mode == FL_LECTURE_LAYERS && f->layer == 0)
    g_string_append (s, "\nThe structure module starts every recycle from identity frames "
                        "(all residues at the origin): this is one update on");
  g_free (self->caption_text);
  self->caption_text = g_string_free (s, FALSE);
  gtk_label_set_text (GTK_LABEL (self->caption), self->caption_text);
}

void
fl_lecture_show_recycle_position (FlLecture *self, double p)
{
  if (!self->window)
    return;
  g_autoptr (GArray) ends = recycle_ends (self);
  if (ends->len == 0)
    return;
  p = CLAMP (p, 0.0, ends->len - 1.0);
  int a = (int) floor (p);
  double frac = p - a;
  guint ia = g_array_index (ends, guint, a);
  FlTimeline *tl = timeline (self);
  FlStructureView *view = fl_window_get_structure_view (self->window);
  /* the timeline (and the panels) follow the nearer recycle end */
  guint near = frac < 0.5 || a + 1 >= (int) ends->len ? ia : g_array_index (ends, guint, a + 1);
  if (fl_timeline_get_current_index (tl) != (int) near
      || fabs (fl_timeline_get_position (tl) - near) > 1e-6)
    fl_timeline_set_position (tl, near, FALSE);
  FlFrame *fa = fl_timeline_get_aligned_frame (tl, ia);
  g_autoptr (FlFrame) shown = NULL;
  if (frac > 1e-3 && a + 1 < (int) ends->len)
    {
      FlFrame *fb_raw = fl_timeline_get_aligned_frame (tl, g_array_index (ends, guint, a + 1));
      g_autoptr (FlFrame) fb = fl_frame_new_superposed (fb_raw, fa);
      /* ease in and out */
      float e = (float) (frac * frac * (3.0 - 2.0 * frac));
      shown = fa->L == fb->L ? fl_frame_new_blend (fa, fb, e) : fl_frame_ref (fb);
      set_caption (self, ia, TRUE, fb->recycle);
    }
  else
    {
      shown = fl_frame_ref (fa);
      set_caption (self, ia, FALSE, -1);
    }
  fl_structure_view_set_frame (view, shown, fl_window_get_sequence (self->window), TRUE);
}

static gboolean
on_tick (gpointer user_data)
{
  FlLecture *self = user_data;
  if (!self->window)
    {
      self->tick = 0;
      return G_SOURCE_REMOVE;
    }
  gint64 now = g_get_monotonic_time ();
  double dt = self->last_us ? (now - self->last_us) / 1e6 : 0.0;
  self->last_us = now;
  if (!self->playing || self->mode != FL_LECTURE_RECYCLES)
    return G_SOURCE_CONTINUE;
  g_autoptr (GArray) ends = recycle_ends (self);
  if (ends->len == 0)
    return G_SOURCE_CONTINUE;
  self->t += dt;
  double seg = HOLD_S + MORPH_S, total = (ends->len - 1) * seg + HOLD_S;
  if (self->t > total)
    {
      self->t = total;
      fl_lecture_set_playing (self, FALSE);
    }
  int a = (int) (self->t / seg);
  double in = self->t - a * seg;
  double p = a + (in <= HOLD_S ? 0.0 : (in - HOLD_S) / MORPH_S);
  fl_lecture_show_recycle_position (self, p);
  return G_SOURCE_CONTINUE;
}

static void
on_frame_shown (FlTimeline *tl, FlFrame *display, int index, FlLecture *self)
{
  if (self->active && self->mode == FL_LECTURE_LAYERS)
    set_caption (self, (guint) index, FALSE, -1);
}

static void
on_window_destroy (GtkWidget *w, FlLecture *self)
{
  self->window = NULL;
  self->caption = NULL;
}

FlLecture *
fl_lecture_new (FlWindow *window, FlAccuracy *accuracy)
{
  FlLecture *self = g_new0 (FlLecture, 1);
  self->window = window;
  self->accuracy = accuracy;
  self->mode = FL_LECTURE_RECYCLES;
  self->caption = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->caption, "fl-lecture-caption");
  gtk_widget_set_halign (self->caption, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->caption, GTK_ALIGN_START);
  gtk_widget_set_margin_top (self->caption, 44); /* below the view notes */
  gtk_widget_set_can_target (self->caption, FALSE);
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->caption), GTK_JUSTIFY_CENTER);
  gtk_label_set_max_width_chars (GTK_LABEL (self->caption), 60);
  gtk_widget_set_visible (self->caption, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (fl_window_get_view_overlay (window)), self->caption);
  /* large type for the back row; light and dark variants */
  self->css = gtk_css_provider_new ();
  static const char css[] =
    ".fl-lecture-caption { font-size: 22pt; font-weight: bold; padding: 6px 16px;"
    " border-radius: 10px; background-color: rgba(255,255,255,0.85); color: #1a1a1a; }"
    ".fl-lecture-dark .fl-lecture-caption { background-color: rgba(20,22,28,0.85);"
    " color: #f2f2f2; }";
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_css_provider_load_from_data (self->css, css, -1);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (GTK_WIDGET (window)),
                                              GTK_STYLE_PROVIDER (self->css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  self->frame_handler = g_signal_connect (timeline (self), "frame-shown",
                                          G_CALLBACK (on_frame_shown), self);
  g_signal_connect (window, "destroy", G_CALLBACK (on_window_destroy), self);
  self->tick = g_timeout_add (33, on_tick, self);
  return self;
}

void
fl_lecture_free (FlLecture *self)
{
  if (!self)
    return;
  if (self->tick)
    g_source_remove (self->tick);
  if (self->window)
    {
      g_signal_handlers_disconnect_by_data (self->window, self);
      g_signal_handler_disconnect (timeline (self), self->frame_handler);
    }
  g_clear_object (&self->css);
  g_free (self->caption_text);
  g_free (self);
}

static void
apply_panels (FlLecture *self)
{
  gtk_widget_set_visible (fl_window_get_analysis_area (self->window),
                          !self->active || self->panels);
}

void
fl_lecture_set_active (FlLecture *self, gboolean active)
{
  if (!self->window || self->active == active)
    return;
  self->active = active;
  self->panels = FALSE;
  apply_panels (self);
  gtk_widget_set_visible (self->caption, active);
  if (active)
    {
      gtk_window_unmaximize (GTK_WINDOW (self->window));
      gtk_window_set_default_size (GTK_WINDOW (self->window), 1280, 720);
      self->t = 0;
      if (self->mode == FL_LECTURE_RECYCLES)
        fl_lecture_show_recycle_position (self, 0);
      else
        set_caption (self, (guint) MAX (fl_timeline_get_current_index (timeline (self)), 0),
                     FALSE, -1);
    }
  else
    {
      fl_lecture_set_playing (self, FALSE);
      fl_lecture_set_dark (self, FALSE);
    }
}

gboolean
fl_lecture_get_active (FlLecture *self)
{
  return self->active;
}

void
fl_lecture_set_mode (FlLecture *self, FlLectureMode mode)
{
  gboolean was = self->playing;
  fl_lecture_set_playing (self, FALSE);
  self->mode = mode;
  self->t = 0;
  if (self->active && self->window)
    {
      if (mode == FL_LECTURE_RECYCLES)
        fl_lecture_show_recycle_position (self, 0);
      else
        fl_timeline_set_position (timeline (self), 0, FALSE);
    }
  fl_lecture_set_playing (self, was);
}

FlLectureMode
fl_lecture_get_mode (FlLecture *self)
{
  return self->mode;
}

void
fl_lecture_set_dark (FlLecture *self, gboolean dark)
{
  if (!self->window)
    return;
  self->dark = dark;
  FlStructureView *view = fl_window_get_structure_view (self->window);
  if (dark)
    {
      fl_structure_view_set_background (view, 0.08f, 0.09f, 0.11f);
      gtk_widget_add_css_class (fl_window_get_view_overlay (self->window), "fl-lecture-dark");
    }
  else
    {
      fl_structure_view_set_background (view, 1.f, 1.f, 1.f);
      gtk_widget_remove_css_class (fl_window_get_view_overlay (self->window), "fl-lecture-dark");
    }
}

void
fl_lecture_set_panels_visible (FlLecture *self, gboolean visible)
{
  if (!self->window)
    return;
  self->panels = visible;
  apply_panels (self);
}

void
fl_lecture_set_playing (FlLecture *self, gboolean playing)
{
  if (!self->window)
    return;
  self->playing = playing;
  self->last_us = 0;
  if (self->mode == FL_LECTURE_LAYERS)
    {
      if (playing)
        fl_timeline_set_position (timeline (self), 0, FALSE);
      fl_timeline_set_playing (timeline (self), playing);
    }
  else if (playing)
    {
      g_autoptr (GArray) ends = recycle_ends (self);
      if (self->t >= (ends->len - 1.0) * (HOLD_S + MORPH_S))
        self->t = 0;
      fl_timeline_set_playing (timeline (self), FALSE);
    }
}

gboolean
fl_lecture_get_playing (FlLecture *self)
{
  return self->playing;
}

int
fl_lecture_get_n_recycle_ends (FlLecture *self)
{
  if (!self->window)
    return 0;
  g_autoptr (GArray) ends = recycle_ends (self);
  return (int) ends->len;
}

const char *
fl_lecture_get_caption (FlLecture *self)
{
  return self->active && self->caption_text ? self->caption_text : "";
}
