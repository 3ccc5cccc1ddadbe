/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-settings.h"

GSettings *
mien_settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source
      ? g_settings_schema_source_lookup (source, MIEN_SETTINGS_SCHEMA, TRUE)
      : NULL;
  if (schema == NULL)
    {
      /* Said once per process: every window asks. */
      static gsize said = 0;
      if (g_once_init_enter (&said))
        {
          g_message ("GSettings schema %s not found; preferences will not be "
                     "saved", MIEN_SETTINGS_SCHEMA);
          g_once_init_leave (&said, 1);
        }
      return NULL;
    }
  return g_settings_new (MIEN_SETTINGS_SCHEMA);
}
