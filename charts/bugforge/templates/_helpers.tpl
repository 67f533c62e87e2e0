{{/* Names and labels shared by the templates. */}}

{{- define "bugforge.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release> when it already says bugforge, else <release>-bugforge. */}}
{{- define "bugforge.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bugforge.operatorName" -}}
{{- printf "%s-operator" (include "bugforge.fullname" .) -}}
{{- end -}}

{{/* Labels besides name and instance (those are in the selector labels). */}}
{{- define "bugforge.metaLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bugforge
{{- end -}}

{{- define "bugforge.labels" -}}
app.kubernetes.io/name: {{ include "bugforge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{ include "bugforge.metaLabels" . }}
{{- end -}}

{{- define "bugforge.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "bugforge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "bugforge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bugforge.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "bugforge.leaderElection" -}}
{{- if or (gt (int .Values.replicaCount) 1) .Values.leaderElection.enabled -}}true{{- end -}}
{{- end -}}

{{- define "bugforge.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "bugforge.stageImage" -}}
{{- printf "%s:%s" (default .Values.image.repository .Values.stageImage.repository) (default (default .Chart.AppVersion .Values.image.tag) .Values.stageImage.tag) -}}
{{- end -}}

{{/* Empty gpuStageImage.repository: <image.repository>-gpu, so moving the image moves both. */}}
{{- define "bugforge.gpuStageImage" -}}
{{- printf "%s:%s" (default (printf "%s-gpu" .Values.image.repository) .Values.gpuStageImage.repository) (default (default .Chart.AppVersion .Values.image.tag) .Values.gpuStageImage.tag) -}}
{{- end -}}

{{/* imagePullSecrets as the operator's --image-pull-secrets value: names, comma-separated. */}}
{{- define "bugforge.pullSecretNames" -}}
{{- $names := list -}}
{{- range .Values.imagePullSecrets }}{{ $names = append $names .name }}{{ end -}}
{{- join "," $names -}}
{{- end -}}

{{/* The restricted Pod Security Standard, shared by every Pod of the chart. */}}
{{- define "bugforge.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "bugforge.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* MinIO */}}
{{- define "bugforge.minio.name" -}}
{{- printf "%s-minio" (include "bugforge.fullname" .) -}}
{{- end -}}

{{- define "bugforge.minio.secretName" -}}
{{- default (include "bugforge.minio.name" .) .Values.minio.existingSecret -}}
{{- end -}}

{{- define "bugforge.minio.stageSecretName" -}}
{{- default (printf "%s-stage" (include "bugforge.minio.name" .)) .Values.minio.existingStageSecret -}}
{{- end -}}

{{- define "bugforge.minio.endpoint" -}}
{{- printf "http://%s.%s.svc:9000" (include "bugforge.minio.name" .) .Release.Namespace -}}
{{- end -}}

{{- define "bugforge.minio.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bugforge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: minio
{{- end -}}

{{/* Default storage: storage.* when set, else the chart's MinIO when enabled. */}}
{{- define "bugforge.defaultStorage" -}}
{{- $s := .Values.storage -}}
{{- if and .Values.minio.enabled (not $s.endpoint) -}}
endpoint: {{ include "bugforge.minio.endpoint" . }}
bucket: {{ default .Values.minio.bucket $s.bucket }}
prefix: {{ $s.prefix | quote }}
credentialsSecret: {{ default (include "bugforge.minio.stageSecretName" .) $s.credentialsSecret }}
{{- else -}}
endpoint: {{ $s.endpoint | quote }}
bucket: {{ $s.bucket | quote }}
prefix: {{ $s.prefix | quote }}
credentialsSecret: {{ $s.credentialsSecret | quote }}
{{- end -}}
{{- end -}}
