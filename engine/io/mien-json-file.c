/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-json-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

mien_status
mien_json_file_read (const char *path, size_t max_size, char **text,
                     size_t *length, mien_error *err)
{
  *text = NULL;
  *length = 0;
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
   * writer forever. Regular files ignore the flag. */
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return mien_error_set (err, MIEN_ERR_IO, "%s: %s", path,
                           errno == ENOENT ? "No such file" : strerror (errno));
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      int e = errno;
      close (fd);
      return mien_error_set (err, MIEN_ERR_IO, "%s: %s", path, strerror (e));
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      return mien_error_set (err, MIEN_ERR_IO, "%s: not a regular file (%s)",
                             path,
                             S_ISDIR (st.st_mode)    ? "a folder"
                             : S_ISFIFO (st.st_mode) ? "a named pipe"
                             : S_ISSOCK (st.st_mode) ? "a socket"
                                                     : "a device");
    }
  if ((unsigned long long)st.st_size > (unsigned long long)max_size)
    {
      close (fd);
      return mien_error_set (err, MIEN_ERR_FORMAT,
                             "%s: %lld bytes is over the limit of %zu bytes "
                             "for this kind of file",
                             path, (long long)st.st_size, max_size);
    }
  /* Read up to the limit plus one byte, so a file that grows between fstat
   * and read is still caught. */
  size_t cap = (size_t)st.st_size + 1, n = 0;
  char *buf = malloc (cap + 1);
  if (buf == NULL)
    {
      close (fd);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  for (;;)
    {
      if (n == cap)
        {
          if (cap > max_size)
            break;
          size_t grown = cap * 2 > max_size + 1 ? max_size + 1 : cap * 2;
          char *b = realloc (buf, grown + 1);
          if (b == NULL)
            {
              free (buf);
              close (fd);
              return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
            }
          buf = b, cap = grown;
        }
      ssize_t got = read (fd, buf + n, cap - n);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int e = errno;
          free (buf);
          close (fd);
          return mien_error_set (err, MIEN_ERR_IO, "%s: %s", path,
                                 strerror (e));
        }
      if (got == 0)
        break;
      n += (size_t)got;
    }
  close (fd);
  if (n > max_size)
    {
      free (buf);
      return mien_error_set (err, MIEN_ERR_FORMAT,
                             "%s: over the limit of %zu bytes for this kind "
                             "of file", path, max_size);
    }
  buf[n] = '\0';
  *text = buf;
  *length = n;
  return MIEN_OK;
}

mien_status
mien_json_check_shape (const char *text, size_t length, int max_depth,
                       size_t max_values, const char *name, mien_error *err)
{
  int depth = 0, in_string = 0;
  size_t line = 1, values = 1;
  for (size_t i = 0; i < length; i++)
    {
      char c = text[i];
      if (c == '\n')
        line++;
      if (in_string)
        {
          if (c == '\\')
            i++; /* the escaped character cannot end the string */
          else if (c == '"')
            in_string = 0;
          continue;
        }
      switch (c)
        {
        case '"': in_string = 1; break;
        case ',':
          /* Every value after the first in an array or object follows a
           * comma: values ≈ commas + 1 (+ empty containers, which cost a
           * node too and are counted at their bracket below). */
          if (++values > max_values)
            return mien_error_set (err, MIEN_ERR_FORMAT,
                                   "%s: more than %zu values (line %zu)",
                                   name, max_values, line);
          break;
        case '[':
        case '{':
          values++;
          if (++depth > max_depth)
            return mien_error_set (err, MIEN_ERR_FORMAT,
                                   "%s: nested deeper than %d levels (line "
                                   "%zu)", name, max_depth, line);
          break;
        case ']':
        case '}':
          /* Unbalanced closers are json-glib's to report; never below 0. */
          if (depth > 0)
            depth--;
          break;
        default: break;
        }
    }
  return MIEN_OK;
}
