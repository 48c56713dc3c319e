# embed.cmake — writes the file IN as a C byte array to OUT:
#   cmake -DIN=page.html -DOUT=dashboard.c -P embed.cmake
# defines cjx_dashboard_html (NUL-terminated) and cjx_dashboard_html_len.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* made from ${IN} by embed.cmake: do not edit */\n#include <stddef.h>\n"
     "extern const unsigned char cjx_dashboard_html[];\nextern const size_t cjx_dashboard_html_len;\n"
     "const unsigned char cjx_dashboard_html[] = {\n${bytes}0x00};\n"
     "const size_t cjx_dashboard_html_len = ${len};\n")
