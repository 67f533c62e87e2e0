/**
 * The S3-compatible test server in the cluster: the s3rver image `npm run images` builds, as a
 * Deployment + Service in a namespace, standing in for the external MinIO a user points the chart at
 * (storage.endpoint, storage.bucket, storage.credentialsSecret). Its account is S3RVER / S3RVER; the
 * bucket is created at start; data lives in an emptyDir.
 */
export const s3rverAccount = { accessKey: "S3RVER", secretKey: "S3RVER", region: "us-east-1" };

export function s3rverManifests(image: string, namespace: string, bucket: string): string {
  const labels = { "app.kubernetes.io/name": "s3rver" };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "s3rver", namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "s3rver",
                  image,
                  imagePullPolicy: "Never",
                  args: ["--directory", "/data", "--address", "0.0.0.0", "--port", "9000", "--configure-bucket", bucket],
                  ports: [{ name: "s3", containerPort: 9000 }],
                  readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  volumeMounts: [
                    { name: "data", mountPath: "/data" },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "data", emptyDir: {} },
                { name: "tmp", emptyDir: {} },
              ],
            },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "s3rver", namespace, labels },
        spec: { selector: labels, ports: [{ name: "s3", port: 9000, targetPort: "s3" }] },
      },
    ],
  });
}
