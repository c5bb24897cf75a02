/* libcurl's allocations, wiped when freed. */
#pragma once

/* Initializes libcurl (as curl_global_init(CURL_GLOBAL_DEFAULT)) with
 * allocators that clear every block before it is freed or moved. Returns
 * libcurl's CURLcode as an int. */
int launcher_curl_mem_init(void);
