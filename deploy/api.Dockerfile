# The CMS API. Build from the repository root:  docker build -f deploy/api.Dockerfile -t cms-api:dev .
# Stage 1 restores and publishes with the SDK; stage 2 is the ASP.NET Core runtime only, running as the image's
# non-root "app" user. Configuration comes from the environment (see README "Configuration").

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so that the restore layer is reused while only sources change.
COPY Directory.Build.props Directory.Packages.props ./
COPY Cms.Domain/Cms.Domain.csproj Cms.Domain/
COPY Cms.Application/Cms.Application.csproj Cms.Application/
COPY Cms.Infrastructure/Cms.Infrastructure.csproj Cms.Infrastructure/
COPY migrations/Cms.Migrations.csproj migrations/
COPY Cms.Api/Cms.Api.csproj Cms.Api/
RUN dotnet restore Cms.Api/Cms.Api.csproj
COPY Cms.Domain/ Cms.Domain/
COPY Cms.Application/ Cms.Application/
COPY Cms.Infrastructure/ Cms.Infrastructure/
COPY migrations/ migrations/
COPY Cms.Api/ Cms.Api/
RUN dotnet publish Cms.Api/Cms.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# "Urls" (not ASPNETCORE_URLS): appsettings.json sets Urls for local runs, and plain environment variables override it.
ENV Urls=http://+:8080 \
    Logging__Console__FormatterName=json \
    Logging__Console__FormatterOptions__IncludeScopes=true \
    DOTNET_gcServer=1
EXPOSE 8080
# The tenant key vault's directory (Cms:Crypto:TenantKeyVault:Directory): a volume mounted here, owned by the app user, 0700.
RUN mkdir -p /var/lib/cms/tenant-keys && chown "$APP_UID" /var/lib/cms/tenant-keys && chmod 700 /var/lib/cms/tenant-keys
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["dotnet", "Cms.Api.dll", "probe", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["dotnet", "Cms.Api.dll"]
