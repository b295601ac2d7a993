# The migration command (FluentMigrator, run as the schema owner cms_owner). Build from the repository root:
#   docker build -f deploy/migrations.Dockerfile -t cms-migrations:dev .
# Run once per release before the API:  docker run --rm -e CMS_MIGRATIONS_CONNECTION="Host=...;Username=cms_owner;..." cms-migrations:dev
# (default command "up"; "list" shows applied and pending migrations; "down --version N --yes" rolls back).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY migrations/Cms.Migrations.csproj migrations/
RUN dotnet restore migrations/Cms.Migrations.csproj
COPY migrations/ migrations/
RUN dotnet publish migrations/Cms.Migrations.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV CMS_MIGRATIONS_PROVIDER=postgres
USER $APP_UID
# A run-to-completion job: its exit code is its health (0 = every migration applied), so no periodic check.
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "Cms.Migrations.dll"]
CMD ["up"]
