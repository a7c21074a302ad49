/* version.h: the one place the version lives (also the generated runtime's ABI number). */
#ifndef RP_VERSION_H
#define RP_VERSION_H
#define RP_VERSION "0.1.0"
#endif
