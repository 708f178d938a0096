/* FlTimeline: scrubber over the frames of a run. */
#include "fl-timeline.h"
#include "fl-frame-align.h"
#include <math.h>

struct _FlTimeline {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkWidget *play_button;
  GtkWidget *scale;
  GtkWidget *speed_dropdown;
  GtkWidget *follow_button;
  GtkWidget *label;

  GPtrArray *frames;    /* FlFrame*, as received */
  GPtrArray *aligned;   /* FlFrame*, superposed on the previous aligned frame */
  GArray *recycle_ptm;  /* float per recycle (NAN unknown) */
  GArray *recycle_plddt;
  int last_recycle;     /* recycles 0..last_recycle are planned; -1 unknown */

  double position;
  double target;
  gboolean animating;
  gboolean playing;
  guint tick_id;
  gint64 last_tick_us;
  gboolean updating_scale;
  char *label_text;
  int shown_index;
};

G_DEFINE_FINAL_TYPE (FlTimeline, fl_timeline, GTK_TYPE_WIDGET)

enum { SIGNAL_FRAME_SHOWN, N_SIGNALS };
static guint signals[N_SIGNALS];

static const double speeds[] = { 0.5, 1.0, 2.0, 4.0 };
#define BASE_FRAMES_PER_SECOND 6.0

static double
current_speed (FlTimeline *self)
{
  guint k = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->speed_dropdown));
  return speeds[MIN (k, G_N_ELEMENTS (speeds) - 1)];
}

static void
update_label (FlTimeline *self, int index)
{
  g_autofree char *text = NULL;
  if (index < 0 || index >= (int) self->frames->len)
    text = g_strdup (self->frames->len ? "" : "No frames yet");
  else
    {
      FlFrame *f = g_ptr_array_index (self->frames, index);
      GString *s = g_string_new (NULL);
      /* One numbering everywhere: recycle 0..N as AlphaFold and ColabFold
       * count (0 = the first pass), structure-module layer 1..8. */
      if (f->n_layers == 0)
        g_string_append_printf (s, "Model %d of %u", f->recycle + 1, self->frames->len);
      else if (self->frames->len == 1 && f->n_layers <= 1)
        g_string_append (s, "Final structure");
      else if (self->last_recycle >= 0)
        g_string_append_printf (s, "Recycle %d of 0–%d", f->recycle, self->last_recycle);
      else
        g_string_append_printf (s, "Recycle %d", f->recycle);
      if (f->n_layers > 1)
        g_string_append_printf (s, " · layer %d/%d", f->layer + 1, f->n_layers);
      g_string_append_printf (s, " · mean pLDDT %.1f", f->mean_plddt);
      float ptm = f->ptm;
      if (isnan (ptm) && f->layer == f->n_layers - 1 && f->recycle < (int) self->recycle_ptm->len)
        ptm = g_array_index (self->recycle_ptm, float, f->recycle);
      if (!isnan (ptm))
        g_string_append_printf (s, " · pTM %.2f", ptm);
      if (self->frames->len > 1 && f->n_layers > 0)
        g_string_append_printf (s, "  (frame %d of %u)", index + 1, self->frames->len);
      text = g_string_free (s, FALSE);
    }
  gtk_label_set_text (GTK_LABEL (self->label), text);
  gtk_widget_set_tooltip_text (self->label, text);
  g_free (self->label_text);
  self->label_text = g_steal_pointer (&text);
}

static void
show_position (FlTimeline *self)
{
  guint n = self->aligned->len;
  if (n == 0)
    {
      update_label (self, -1);
      return;
    }
  double p = CLAMP (self->position, 0, n - 1);
  int a = (int) floor (p);
  double t = p - a;
  int nearest = (int) lround (p);
  FlFrame *display;
  if (t < 1e-3 || a + 1 >= (int) n)
    display = fl_frame_ref (g_ptr_array_index (self->aligned, a));
  else if (t > 1 - 1e-3)
    display = fl_frame_ref (g_ptr_array_index (self->aligned, a + 1));
  else
    {
      FlFrame *fa = g_ptr_array_index (self->aligned, a), *fb = g_ptr_array_index (self->aligned, a + 1);
      display = fa->L == fb->L ? fl_frame_new_blend (fa, fb, (float) t) : fl_frame_ref (t < 0.5 ? fa : fb);
    }
  self->updating_scale = TRUE;
  gtk_range_set_value (GTK_RANGE (self->scale), p);
  self->updating_scale = FALSE;
  update_label (self, nearest);
  self->shown_index = nearest;
  g_signal_emit (self, signals[SIGNAL_FRAME_SHOWN], 0, display, nearest);
  fl_frame_unref (display);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  FlTimeline *self = FL_TIMELINE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_tick_us ? (now - self->last_tick_us) / 1e6 : 0;
  self->last_tick_us = now;
  dt = MIN (dt, 0.1);
  guint n = self->frames->len;
  gboolean keep = FALSE;
  if (self->playing && n > 0)
    {
      self->position += dt * BASE_FRAMES_PER_SECOND * current_speed (self);
      if (self->position >= n - 1)
        {
          self->position = n - 1;
          fl_timeline_set_playing (self, FALSE);
        }
      else
        keep = TRUE;
      show_position (self);
    }
  else if (self->animating)
    {
      double dist = self->target - self->position;
      /* Glide: at least the play speed, at most a quarter second for any jump. */
      double rate = MAX (BASE_FRAMES_PER_SECOND * current_speed (self), fabs (dist) / 0.25);
      double step = rate * dt;
      if (fabs (dist) <= step || (dt == 0 && fabs (dist) < 1e-6))
        {
          self->position = self->target;
          self->animating = FALSE;
        }
      else
        {
          self->position += dist > 0 ? step : -step;
          keep = TRUE;
        }
      show_position (self);
    }
  if (!keep)
    {
      self->tick_id = 0;
      self->last_tick_us = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
ensure_ticking (FlTimeline *self)
{
  if (self->tick_id == 0)
    {
      self->last_tick_us = 0;
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
    }
}

void
fl_timeline_set_position (FlTimeline *self, double position, gboolean animate)
{
  g_return_if_fail (FL_IS_TIMELINE (self));
  guint n = self->frames->len;
  if (n == 0)
    return;
  position = CLAMP (position, 0, n - 1);
  if (animate && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->target = position;
      self->animating = TRUE;
      ensure_ticking (self);
    }
  else
    {
      self->animating = FALSE;
      self->position = self->target = position;
      show_position (self);
    }
}

double
fl_timeline_get_position (FlTimeline *self)
{
  return self->position;
}

int
fl_timeline_get_current_index (FlTimeline *self)
{
  return self->frames->len ? self->shown_index : -1;
}

static void
update_range (FlTimeline *self)
{
  guint n = self->frames->len;
  self->updating_scale = TRUE;
  gtk_range_set_range (GTK_RANGE (self->scale), 0, MAX ((int) n - 1, 0) + (n <= 1 ? 1e-6 : 0));
  gtk_range_set_value (GTK_RANGE (self->scale), self->position);
  self->updating_scale = FALSE;
  gtk_widget_set_sensitive (self->scale, n > 1);
  gtk_widget_set_sensitive (self->play_button, n > 1);
}

void
fl_timeline_clear (FlTimeline *self, int last_recycle)
{
  g_return_if_fail (FL_IS_TIMELINE (self));
  g_ptr_array_set_size (self->frames, 0);
  g_ptr_array_set_size (self->aligned, 0);
  g_array_set_size (self->recycle_ptm, 0);
  g_array_set_size (self->recycle_plddt, 0);
  self->last_recycle = last_recycle;
  self->position = self->target = 0;
  self->animating = FALSE;
  self->shown_index = -1;
  fl_timeline_set_playing (self, FALSE);
  gtk_scale_clear_marks (GTK_SCALE (self->scale));
  update_range (self);
  update_label (self, -1);
}

void
fl_timeline_add_frame (FlTimeline *self, FlFrame *frame)
{
  g_return_if_fail (FL_IS_TIMELINE (self));
  g_return_if_fail (frame != NULL);
  FlFrame *prev = self->aligned->len ? g_ptr_array_index (self->aligned, self->aligned->len - 1) : NULL;
  g_ptr_array_add (self->frames, fl_frame_ref (frame));
  g_ptr_array_add (self->aligned, fl_frame_new_superposed (frame, prev));
  guint n = self->frames->len;
  FlFrame *before = n > 1 ? g_ptr_array_index (self->frames, n - 2) : NULL;
  /* a tick where each recycle starts, named as everywhere else: r0, r1, ... */
  if (frame->n_layers > 0 && (!before || before->recycle != frame->recycle))
    {
      g_autofree char *mark = g_strdup_printf ("r%d", frame->recycle);
      gtk_scale_add_mark (GTK_SCALE (self->scale), n - 1, GTK_POS_BOTTOM, mark);
    }
  update_range (self);
  if (n == 1)
    fl_timeline_set_position (self, 0, FALSE);
  else if (fl_timeline_get_follow_live (self) && !self->playing)
    fl_timeline_set_position (self, n - 1, TRUE);
  else
    update_label (self, self->shown_index);
}

void
fl_timeline_set_recycle_scores (FlTimeline *self, int recycle, float mean_plddt, float ptm)
{
  if (recycle < 0)
    return;
  while ((int) self->recycle_ptm->len <= recycle)
    {
      float nan = NAN;
      g_array_append_val (self->recycle_ptm, nan);
      g_array_append_val (self->recycle_plddt, nan);
    }
  g_array_index (self->recycle_ptm, float, recycle) = ptm;
  g_array_index (self->recycle_plddt, float, recycle) = mean_plddt;
  update_label (self, self->shown_index);
}

guint
fl_timeline_get_n_frames (FlTimeline *self)
{
  return self->frames->len;
}

FlFrame *
fl_timeline_get_frame (FlTimeline *self, guint index)
{
  return index < self->frames->len ? g_ptr_array_index (self->frames, index) : NULL;
}

FlFrame *
fl_timeline_get_aligned_frame (FlTimeline *self, guint index)
{
  return index < self->aligned->len ? g_ptr_array_index (self->aligned, index) : NULL;
}

GPtrArray *
fl_timeline_get_frames (FlTimeline *self)
{
  return self->frames;
}

void
fl_timeline_set_playing (FlTimeline *self, gboolean playing)
{
  if (playing && self->frames->len < 2)
    playing = FALSE;
  if (playing && self->position >= self->frames->len - 1)
    self->position = 0;   /* play from the start again */
  self->playing = playing;
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (self->play_button, playing ? "Pause" : "Play the run");
  if (playing)
    {
      self->animating = FALSE;
      fl_timeline_set_follow_live (self, FALSE);
      ensure_ticking (self);
    }
}

gboolean
fl_timeline_get_playing (FlTimeline *self)
{
  return self->playing;
}

void
fl_timeline_set_follow_live (FlTimeline *self, gboolean follow)
{
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->follow_button), follow);
}

gboolean
fl_timeline_get_follow_live (FlTimeline *self)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->follow_button));
}

void
fl_timeline_step (FlTimeline *self, int delta)
{
  if (self->frames->len == 0)
    return;
  fl_timeline_set_playing (self, FALSE);
  fl_timeline_set_follow_live (self, FALSE);
  /* from where an animation is heading, so that quick presses add up */
  double from = self->animating ? self->target : self->position;
  double target = delta > 0 ? floor (from + 1e-6) + delta : ceil (from - 1e-6) + delta;
  fl_timeline_set_position (self, target, TRUE);
}

gboolean
fl_timeline_is_gliding (FlTimeline *self)
{
  return self->animating;
}

const char *
fl_timeline_get_label (FlTimeline *self)
{
  return self->label_text ? self->label_text : "";
}

static void
on_scale_value_changed (GtkRange *range, FlTimeline *self)
{
  if (self->updating_scale)
    return;
  /* The user moved the scrubber: stop following and playing. */
  fl_timeline_set_playing (self, FALSE);
  if (self->frames->len && gtk_range_get_value (range) < self->frames->len - 1 - 1e-3)
    fl_timeline_set_follow_live (self, FALSE);
  self->animating = FALSE;
  self->position = self->target = gtk_range_get_value (range);
  show_position (self);
}

static void
on_play_clicked (GtkButton *button, FlTimeline *self)
{
  fl_timeline_set_playing (self, !self->playing);
}

static void
on_follow_toggled (GtkToggleButton *button, FlTimeline *self)
{
  if (gtk_toggle_button_get_active (button) && self->frames->len)
    {
      if (self->playing)
        fl_timeline_set_playing (self, FALSE);
      fl_timeline_set_position (self, self->frames->len - 1, TRUE);
    }
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, FlTimeline *self)
{
  switch (keyval)
    {
    case GDK_KEY_space:
      fl_timeline_set_playing (self, !self->playing);
      return TRUE;
    case GDK_KEY_comma:
      fl_timeline_step (self, -1);
      return TRUE;
    case GDK_KEY_period:
      fl_timeline_step (self, 1);
      return TRUE;
    case GDK_KEY_End:
      fl_timeline_set_follow_live (self, TRUE);
      return TRUE;
    default:
      return FALSE;
    }
}

GtkWidget *
fl_timeline_new (void)
{
  return g_object_new (FL_TYPE_TIMELINE, NULL);
}

static void
fl_timeline_dispose (GObject *object)
{
  FlTimeline *self = FL_TIMELINE (object);
  if (self->tick_id)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (fl_timeline_parent_class)->dispose (object);
}

static void
fl_timeline_finalize (GObject *object)
{
  FlTimeline *self = FL_TIMELINE (object);
  g_ptr_array_unref (self->frames);
  g_ptr_array_unref (self->aligned);
  g_array_unref (self->recycle_ptm);
  g_array_unref (self->recycle_plddt);
  g_free (self->label_text);
  G_OBJECT_CLASS (fl_timeline_parent_class)->finalize (object);
}

static void
fl_timeline_class_init (FlTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = fl_timeline_dispose;
  object_class->finalize = fl_timeline_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fltimeline");

  signals[SIGNAL_FRAME_SHOWN] =
    g_signal_new ("frame-shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_INT);
}

static void
fl_timeline_init (FlTimeline *self)
{
  self->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_frame_unref);
  self->aligned = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_frame_unref);
  self->recycle_ptm = g_array_new (FALSE, FALSE, sizeof (float));
  self->recycle_plddt = g_array_new (FALSE, FALSE, sizeof (float));
  self->shown_index = -1;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_widget_set_margin_start (self->box, 8);
  gtk_widget_set_margin_end (self->box, 8);
  gtk_widget_set_margin_top (self->box, 4);
  gtk_widget_set_margin_bottom (self->box, 4);

  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->box), row);

  self->play_button = gtk_button_new_from_icon_name ("media-playback-start-symbolic");
  gtk_widget_set_valign (self->play_button, GTK_ALIGN_START);
  g_signal_connect (self->play_button, "clicked", G_CALLBACK (on_play_clicked), self);
  gtk_box_append (GTK_BOX (row), self->play_button);

  self->scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 1);
  gtk_scale_set_draw_value (GTK_SCALE (self->scale), FALSE);
  gtk_range_set_round_digits (GTK_RANGE (self->scale), -1);
  gtk_widget_set_hexpand (self->scale, TRUE);
  gtk_widget_set_tooltip_text (self->scale, "Frames of the run: recycle × structure-module layer");
  g_signal_connect (self->scale, "value-changed", G_CALLBACK (on_scale_value_changed), self);
  gtk_box_append (GTK_BOX (row), self->scale);

  const char *speed_names[] = { "0.5×", "1×", "2×", "4×", NULL };
  self->speed_dropdown = gtk_drop_down_new_from_strings (speed_names);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->speed_dropdown), 1);
  gtk_widget_set_valign (self->speed_dropdown, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (self->speed_dropdown, "Playback speed");
  gtk_box_append (GTK_BOX (row), self->speed_dropdown);

  self->follow_button = gtk_toggle_button_new_with_label ("Follow live");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->follow_button), TRUE);
  gtk_widget_set_valign (self->follow_button, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (self->follow_button, "Show each new frame as the run makes it");
  g_signal_connect (self->follow_button, "toggled", G_CALLBACK (on_follow_toggled), self);
  gtk_box_append (GTK_BOX (row), self->follow_button);

  self->label = gtk_label_new ("No frames yet");
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  /* a long label must not set the width the 3D view needs (the split
   * beside the panels): it ends in "…" and the tooltip has all of it */
  gtk_label_set_ellipsize (GTK_LABEL (self->label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->label, "fl-timeline-label");
  gtk_box_append (GTK_BOX (self->box), self->label);

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  update_range (self);
}
