{{/* Names, labels and the env every Sluice container shares. */}}

{{- define "sluice.fullname" -}}
{{ default .Release.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sluice.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "sluice.secretName" -}}
{{ default (include "sluice.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "sluice.labels" -}}
app.kubernetes.io/name: sluice
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: sluice-{{ .Chart.Version }}
{{- end }}

{{- define "sluice.selector" -}}
app.kubernetes.io/name: sluice
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Secrets every process needs: the S3 keys, and Temporal's API key if there is one. */}}
{{- define "sluice.storageSecretEnv" -}}
- name: SLUICE_STORAGE__ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.secretName" . }}
      key: {{ .Values.secrets.keys.s3AccessKey }}
- name: SLUICE_STORAGE__SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.secretName" . }}
      key: {{ .Values.secrets.keys.s3SecretKey }}
- name: SLUICE_TEMPORAL__API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.secretName" . }}
      key: {{ .Values.secrets.keys.temporalApiKey }}
      optional: true
{{- end }}

{{/* Secrets only the API and the worker read: the metadata DB and the channel-secret key. */}}
{{- define "sluice.centralSecretEnv" -}}
- name: SLUICE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.secretName" . }}
      key: {{ .Values.secrets.keys.databaseUrl }}
- name: SLUICE_NOTIFICATIONS__SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sluice.secretName" . }}
      key: {{ .Values.secrets.keys.notificationsSecretKey }}
{{- end }}

{{/* Settings for the API, worker and agents: where Temporal and the store are. */}}
{{- define "sluice.env" -}}
- name: SLUICE_TEMPORAL__ADDRESS
  value: {{ .Values.settings.temporal.address | quote }}
- name: SLUICE_TEMPORAL__NAMESPACE
  value: {{ .Values.settings.temporal.namespace | quote }}
- name: SLUICE_TEMPORAL__UI_URL
  value: {{ .Values.settings.temporal.uiUrl | quote }}
- name: SLUICE_STORAGE__ENDPOINT_URL
  value: {{ .Values.settings.storage.endpointUrl | quote }}
{{- if .Values.settings.storage.downloadEndpointUrl }}
- name: SLUICE_STORAGE__DOWNLOAD_ENDPOINT_URL
  value: {{ .Values.settings.storage.downloadEndpointUrl | quote }}
{{- end }}
- name: SLUICE_STORAGE__BUCKET
  value: {{ .Values.settings.storage.bucket | quote }}
- name: SLUICE_STORAGE__REGION
  value: {{ .Values.settings.storage.region | quote }}
- name: SLUICE_API__PUBLIC_URL
  value: {{ .Values.settings.api.publicUrl | quote }}
{{- if .Values.settings.extraEnv }}
{{ toYaml .Values.settings.extraEnv }}
{{- end }}
{{ include "sluice.storageSecretEnv" . }}
{{- end }}

{{/* Writable scratch space under a read-only root file system. */}}
{{- define "sluice.scratchMounts" -}}
- name: state
  mountPath: /var/lib/sluice
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "sluice.scratchVolumes" -}}
- name: state
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end }}
