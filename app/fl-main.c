/* foldlight: the desktop app. */
#include <gtk/gtk.h>
#include "fl-application.h"
#include "fl-backend.h"

int
main (int argc, char **argv)
{
  fl_cpu_threads_prepare (argv);
  g_autoptr (FlApplication) app = fl_application_new ();
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  return status ? status : fl_application_get_exit_status (app);
}
