/* banned.h - turns unsafe libc string functions into compile errors (included after system headers) */
#ifndef FU_BANNED_H
#define FU_BANNED_H

#define BANNED(f) sorry_##f##_is_banned_in_followup

#undef strcpy
#define strcpy(a, b) BANNED(strcpy)
#undef strcat
#define strcat(a, b) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(a, b) BANNED(strtok)
#undef gets
#define gets(a) BANNED(gets)

#endif
