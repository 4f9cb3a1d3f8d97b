// Which version of a group a SageMaker model serves: the package its containers name (ModelPackageName), or,
// for a model a team created from an image and an artifact, the one version whose containers are the same.
import { describeModelPackage, listVersionArns, type ModelPackage } from '#shared/aws/sagemaker.ts';
import { describeModel } from '#shared/aws/sagemaker-endpoints.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';

/** What a model, or an endpoint, was found to serve. */
export type ServedVersion =
  | { readonly packageArn: string }
  /** Something serves, but which version of the group it is cannot be told: nothing to compare with. */
  | { readonly unidentified: string }
  /** Nothing of the group serves yet (no endpoint, or only the version being rolled out). */
  | { readonly nothing: string };

/** A container as CreateModel and a package's InferenceSpecification both describe it (the fields compared). */
export interface ServingContainer {
  readonly Image?: string;
  readonly ModelDataUrl?: string;
  readonly ModelDataSource?: { readonly S3DataSource?: { readonly S3Uri?: string } };
  readonly ModelPackageName?: string;
}

// Model package ARNs spell the group in lower case: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>.
export function isVersionOf(packageArn: string, groupName: string): boolean {
  return new RegExp(`:model-package/${groupName.toLowerCase()}/\\d+$`).test(packageArn.toLowerCase());
}

const artifactOf = (container: ServingContainer) =>
  container.ModelDataUrl ?? container.ModelDataSource?.S3DataSource?.S3Uri;

/** What a container runs: its image and its artifact (compressed or not). */
function sameContainer(model: ServingContainer, version: ServingContainer): boolean {
  return model.Image === version.Image && artifactOf(model) === artifactOf(version);
}

const describeContainer = (container: ServingContainer) =>
  `image ${container.Image ?? 'none'}, artifact ${artifactOf(container) ?? 'none'}`;

/** The versions whose containers are, in order, the model's containers. Pure. */
export function versionsRunning(
  modelContainers: readonly ServingContainer[],
  versions: readonly ModelPackage[],
): ModelPackage[] {
  return versions.filter((version) => {
    const containers = version.InferenceSpecification?.Containers ?? [];
    return (
      containers.length === modelContainers.length &&
      containers.every((container, index) => sameContainer(modelContainers[index] as ServingContainer, container))
    );
  });
}

function containersOf(fields: Readonly<Record<string, unknown>>): ServingContainer[] {
  const primary = fields.PrimaryContainer as ServingContainer | undefined;
  const containers = (fields.Containers as ServingContainer[] | undefined) ?? [];
  return [...(primary === undefined ? [] : [primary]), ...containers];
}

/** Every versioned package of the group, described, a few at a time. */
async function describeVersions(groupName: string): Promise<ModelPackage[]> {
  const arns = await listVersionArns(groupName);
  const described = await mapSettled(arns, 4, describeModelPackage);
  return described.flatMap((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value === undefined ? [] : [result.value];
  });
}

/** The version of `groupName` that the model serves, from the package its containers name or their image and artifact. */
export async function versionServedByModel(modelName: string, groupName: string): Promise<ServedVersion> {
  const model = await describeModel(modelName);
  if (model === undefined) return { unidentified: `model ${modelName}, which does not exist any more` };
  const containers = containersOf(model.fields);
  if (containers.length === 0) return { unidentified: `model ${modelName}, which has no container` };

  const named = [...new Set(containers.flatMap((container) => container.ModelPackageName ?? []))];
  const ofGroup = named.filter((arn) => isVersionOf(arn, groupName));
  if (ofGroup.length === 1) return { packageArn: ofGroup[0] as string };
  if (ofGroup.length > 1)
    return { unidentified: `model ${modelName}, which names several versions: ${ofGroup.join(', ')}` };
  if (named.length > 0) {
    return { unidentified: `model ${modelName}, which serves ${named.join(', ')}, not a version of ${groupName}` };
  }

  // Created from an image and an artifact: the version registered with the same containers.
  const matches = versionsRunning(containers, await describeVersions(groupName));
  const running = `model ${modelName} (${containers.map(describeContainer).join('; ')})`;
  if (matches.length === 0) return { unidentified: `${running}, which matches no version of ${groupName}` };
  if (matches.length > 1) {
    const versions = matches.map((version) => `v${version.ModelPackageVersion}`).join(', ');
    return { unidentified: `${running}, which matches several versions alike: ${versions}` };
  }
  return { packageArn: matches[0]?.ModelPackageArn as string };
}
