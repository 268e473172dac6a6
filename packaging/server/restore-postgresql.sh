#!/bin/sh
# Restore a `sync-server backup` of a PostgreSQL server (pg_dump --format=custom) into a NEW
# database, never over the live one. Connection: the usual libpq variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD); the role needs CREATEDB.
#
#   packaging/server/restore-postgresql.sh /var/backups/ssb/city-2026-12-06.dump ssb_restored
#
# Then point database_url in the data directory's settings.toml at the new database, run
# `sync-server db upgrade`, and start the server. Stations resend what they pushed after
# the backup on their next sync (they keep acknowledged operations for 30 days).
set -eu

if [ "$#" -ne 2 ]; then
    echo "用法：$0 备份文件 新库名" >&2
    exit 2
fi
dump=$1
target=$2

if [ ! -r "$dump" ]; then
    echo "找不到备份文件 $dump，或没有读取权限。" >&2
    exit 2
fi
pg_restore --list "$dump" >/dev/null 2>&1 || {
    echo "$dump 不是 pg_dump --format=custom 的备份文件。请使用 sync-server backup 生成的文件。" >&2
    exit 2
}
exists=$(psql --dbname=postgres --tuples-only --no-align \
    --command="SELECT 1 FROM pg_database WHERE datname = '$(printf '%s' "$target" | sed "s/'/''/g")'")
if [ "$exists" = "1" ]; then
    echo "数据库 $target 已存在。恢复只写入新库：请换一个库名（或确认无用后先删除它）。" >&2
    exit 2
fi

createdb "$target"
if ! pg_restore --no-owner --exit-on-error --single-transaction --dbname="$target" "$dump"; then
    dropdb --if-exists "$target"
    echo "恢复失败，已删除未完成的新库 $target。请检查上面的错误后重试。" >&2
    exit 1
fi
echo "已恢复到新库 $target。请把 settings.toml 的 database_url 指向它，运行 sync-server db upgrade 后启动服务。"
