# embed.cmake — writes the file IN as a C byte array named VAR to OUT:
#   cmake -DIN=page.html -DVAR=cjx_dashboard_html -DOUT=dashboard.c -P embed.cmake
# defines VAR (NUL-terminated) and VAR_len.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* made from ${IN} by embed.cmake: do not edit */\n#include <stddef.h>\n"
     "extern const unsigned char ${VAR}[];\nextern const size_t ${VAR}_len;\n"
     "const unsigned char ${VAR}[] = {\n${bytes}0x00};\n"
     "const size_t ${VAR}_len = ${len};\n")
