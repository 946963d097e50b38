import type { Context } from 'hono';
import type { Child, FC } from 'hono/jsx';
import type { WebEnv } from '../context.js';
import { csrfToken } from '../csrf.js';
import { newFormKey, type ApiAnswer } from '../api-client.js';
import type { Translate } from '../i18n/index.js';
import { CsrfField, Field, describedBy, page } from '../layout.js';
import { apiErrorPage, notFoundPage } from '../pages/errors.js';
import {
  DEFAULT_VALUES,
  deployFieldErrors,
  readDeployForm,
  startBody,
  type DeployFormValues,
  type Mode,
} from './deploy-form.js';
import {
  apiOrder,
  isFinishedState,
  orderPath,
  productName,
  productPorts,
  stateOf,
} from './format.js';
import { known } from './live-panel.js';
import type { CloudAccount, DeploymentView, OrderView, Page } from './types.js';
import { FormError, SCRIPTS, STYLES, field, modelLabel } from './ui.js';

/**
 * Start Deployment: where (account and region), the server (new: flavor and image from the
 * cloud's lists; or one of the buyer's), the VPC, subnet and security group (new or existing),
 * an optional elastic IP, and the ECS password (checked as it is typed by buyer.js, and again by
 * the API). With JavaScript a summary of what will be created comes before Confirm; without it
 * the form starts the deployment directly. Either way one idempotency key per form: a double
 * click starts one deployment.
 */

interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
}
interface Image {
  id: string;
  name: string;
  osVersion?: string;
}
interface Vpc {
  id: string;
  name: string;
  cidr: string;
}
interface Subnet {
  id: string;
  name: string;
  cidr: string;
  vpcId: string;
}
interface SecurityGroup {
  id: string;
  name: string;
}
interface Server {
  id: string;
  name: string;
  status: string;
  ip?: string;
}
interface Zone {
  name: string;
  available: boolean;
}

/** A list the cloud gave, or why it could not be had. */
type List<T> = { items: T[] } | { error: string };

interface Lists {
  accounts: CloudAccount[];
  flavors: List<Flavor>;
  images: List<Image>;
  zones: List<Zone>;
  servers: List<Server>;
  vpcs: List<Vpc>;
  subnets: List<Subnet>;
  securityGroups: List<SecurityGroup>;
}

const listOf = <T,>(t: Translate, a: ApiAnswer<Page<T>>): List<T> =>
  a.ok
    ? { items: a.body.items }
    : { error: t('buyer.deploy.listFailed', { code: a.error.code, message: a.error.message }) };

async function loadLists(c: Context<WebEnv>, account: string, region: string): Promise<Lists> {
  const t = c.get('t');
  const api = c.get('api');
  const target = { accountId: account || undefined, region: region || undefined };
  const paged = { ...target, limit: 200 };
  const [accounts, flavors, images, zones, servers, vpcs, subnets, groups] = await Promise.all([
    api.get<Page<CloudAccount>>('/v1/cloud-accounts', { limit: 50 }),
    api.get<Page<Flavor>>('/v1/cloud/flavors', target),
    api.get<Page<Image>>('/v1/cloud/images', paged),
    api.get<Page<Zone>>('/v1/cloud/availability-zones', target),
    api.get<Page<Server>>('/v1/cloud/servers', paged),
    api.get<Page<Vpc>>('/v1/cloud/vpcs', paged),
    api.get<Page<Subnet>>('/v1/cloud/subnets', paged),
    api.get<Page<SecurityGroup>>('/v1/cloud/security-groups', paged),
  ]);
  return {
    accounts: accounts.ok ? accounts.body.items : [],
    flavors: listOf(t, flavors),
    images: listOf(t, images),
    zones: listOf(t, zones),
    servers: listOf(t, servers),
    vpcs: listOf(t, vpcs),
    subnets: listOf(t, subnets),
    securityGroups: listOf(t, groups),
  };
}

/** The order, unless it is not the buyer's (404) or has a deployment running or done. */
async function deployableOrder(
  c: Context<WebEnv>,
  id: string,
): Promise<{ order: OrderView } | { response: Response }> {
  const api = c.get('api');
  const [order, current] = await Promise.all([
    api.get<OrderView>(apiOrder(id)),
    api.get<DeploymentView>(`${apiOrder(id)}/deployments/current`),
  ]);
  if (!order.ok) return { response: await apiErrorPage(c, order.error, order.status) };
  if (current.ok) {
    const state = stateOf(current.body);
    if (!isFinishedState(state) || state === 'succeeded') {
      return { response: c.redirect(`${orderPath(id)}#deployment`, 303) };
    }
  }
  return { order: order.body };
}

const REGION = /^[a-z]{2,}(-[a-z0-9]+){1,4}$/;
/** The form's lists: an empty one was not chosen. */
const CHOICES = [
  'flavorRef',
  'imageRef',
  'serverId',
  'vpcId',
  'subnetId',
  'securityGroupId',
] as const;

export async function deployPage(c: Context<WebEnv>, id: string) {
  const found = await deployableOrder(c, id);
  if ('response' in found) return found.response;
  const account = (c.req.query('account') ?? '').slice(0, 64);
  const region = (c.req.query('region') ?? '').trim().slice(0, 32);
  const values = { ...DEFAULT_VALUES, account, region };
  // A region that is no region's name is not worth asking the cloud about.
  const errors: Record<string, string> =
    region && !REGION.test(region) ? { region: c.get('t')('buyer.deploy.regionInvalid') } : {};
  const lists = await loadLists(c, account, errors.region ? '' : region);
  return renderForm(c, found.order, values, errors, lists);
}

export async function deployPost(c: Context<WebEnv>, id: string) {
  const t = c.get('t');
  const form = await c.req.parseBody();
  const { values, password } = readDeployForm(form);
  const idem = field(form, '_idem');
  const answer = await c
    .get('api')
    .post<DeploymentView>(`${apiOrder(id)}/deployments`, startBody(values, password), {
      ...(/^[\x21-\x7e]{1,255}$/.test(idem) && { idempotencyKey: idem }),
    });
  if (answer.ok) return c.redirect(`${orderPath(id)}?started#deployment`, 303);
  const { error, status } = answer;
  if (status === 404 && error.code === 'NOT_FOUND') return notFoundPage(c);
  // The same form sent twice while the first still runs: that one is the deployment.
  if (error.code === 'IDEMPOTENCY_KEY_IN_USE' || error.code === 'ORDER_ALREADY_DEPLOYED') {
    return c.redirect(`${orderPath(id)}#deployment`, 303);
  }
  const found = await deployableOrder(c, id);
  if ('response' in found) return found.response;
  const errors = deployFieldErrors(error, (code) => {
    const mine = known(t, `buyer.code.${code}`, '');
    return mine ? t('buyer.refused', { code, message: mine }) : undefined;
  });
  // A list left at "Choose…" is said in the console's words; the API's are about the id.
  for (const name of CHOICES) {
    if (errors[name] && values[name] === '') errors[name] = t('buyer.deploy.chooseOne');
  }
  const lists = await loadLists(c, values.account, REGION.test(values.region) ? values.region : '');
  return renderForm(c, found.order, values, errors, lists, status === 409 ? 409 : 400);
}

function renderForm(
  c: Context<WebEnv>,
  order: OrderView,
  v: DeployFormValues,
  errors: Record<string, string>,
  lists: Lists,
  status: 200 | 400 | 409 = 200,
) {
  const t = c.get('t');
  const action = `${orderPath(order.id)}/deploy`;
  const ports = productPorts(order);
  const errorCount = Object.keys(errors).length;
  return page(
    c,
    {
      title: t('buyer.deploy.title'),
      styles: STYLES,
      scripts: SCRIPTS,
      children: (
        <>
          <p>
            <a href={orderPath(order.id)}>{t('buyer.deploy.back', { order: order.orderId })}</a>
          </p>
          <p>
            {t('buyer.deploy.intro', {
              product: productName(order),
              model: modelLabel(t, order.supervision.licenseModel),
            })}
          </p>
          {errorCount > 0 && (
            <p class="notice bad" role="alert" id="deploy-errors">
              {t('buyer.deploy.hasErrors', { count: errorCount })}
            </p>
          )}
          <FormError text={errors['']} />

          <form method="get" action={action} class="where" aria-labelledby="where-title">
            <h2 id="where-title">{t('buyer.deploy.where')}</h2>
            <div class="filters">
              <Field name="account" label={t('buyer.deploy.account')} error={errors.account}>
                <select
                  id="f-account"
                  name="account"
                  aria-invalid={errors.account ? 'true' : undefined}
                  aria-describedby={describedBy('account', errors.account)}
                >
                  <option value="">{t('buyer.deploy.ownAccount')}</option>
                  {lists.accounts.map((a) => (
                    <option value={a.id} selected={v.account === a.id}>
                      {t('buyer.deploy.accountOption', { name: a.name, region: a.region })}
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                name="region"
                label={t('buyer.deploy.region')}
                error={errors.region}
                hint={t('buyer.deploy.regionHint')}
              >
                <input
                  id="f-region"
                  name="region"
                  value={v.region}
                  placeholder="cn-north-4"
                  autocomplete="off"
                  spellcheck={false}
                  maxlength={32}
                  aria-invalid={errors.region ? 'true' : undefined}
                  aria-describedby={describedBy('region', errors.region, 'hint')}
                />
              </Field>
              <button type="submit" class="secondary">
                {t('buyer.deploy.loadLists')}
              </button>
            </div>
          </form>

          <form method="post" action={action} id="deploy-form" novalidate>
            <CsrfField token={csrfToken(c)} />
            <input type="hidden" name="_idem" value={newFormKey()} />
            <input type="hidden" name="account" value={v.account} />
            <input type="hidden" name="region" value={v.region} />
            <ServerFieldset t={t} v={v} errors={errors} lists={lists} />
            <VpcFieldset t={t} v={v} errors={errors} lists={lists} />
            <SubnetFieldset t={t} v={v} errors={errors} lists={lists} />
            <GroupFieldset t={t} v={v} errors={errors} lists={lists} ports={ports} />
            <PublicIpFieldset t={t} v={v} errors={errors} />
            <PasswordFieldset t={t} errors={errors} />
            <section id="deploy-summary" hidden aria-labelledby="deploy-summary-title">
              <h2 id="deploy-summary-title" tabindex={-1}>
                {t('buyer.deploy.summary')}
              </h2>
              <p>{t('buyer.deploy.summaryIntro')}</p>
              <dl class="facts" id="deploy-summary-list"></dl>
              <p class="summary-actions">
                <button type="submit" name="confirm" value="1" id="deploy-confirm">
                  {t('buyer.deploy.confirm')}
                </button>{' '}
                <button type="button" class="secondary" id="deploy-change">
                  {t('buyer.deploy.change')}
                </button>
              </p>
            </section>
            <p class="deploy-actions">
              <button
                type="submit"
                id="deploy-submit"
                data-review-label={t('buyer.deploy.review')}
                data-password-word={t('buyer.deploy.passwordSet')}
              >
                {t('buyer.deploy.submit')}
              </button>
            </p>
          </form>
        </>
      ),
    },
    status,
  );
}

interface PartProps {
  t: Translate;
  v: DeployFormValues;
  errors: Record<string, string>;
  lists: Lists;
}

/** New-or-existing radios of a fieldset; `data-when` parts show for the chosen one (buyer.js). */
const ModeChoice: FC<{
  t: Translate;
  name: string;
  value: Mode;
  newLabel: string;
  existingLabel: string;
  existingDisabled?: boolean;
}> = ({ name, value, newLabel, existingLabel, existingDisabled }) => (
  <div class="modes">
    <label class="radio">
      <input type="radio" name={name} value="new" checked={value === 'new'} />
      {newLabel}
    </label>
    <label class="radio">
      <input
        type="radio"
        name={name}
        value="existing"
        checked={value === 'existing'}
        disabled={existingDisabled}
      />
      {existingLabel}
    </label>
  </div>
);

const Shown: FC<{ name: string; value: Mode; children: Child }> = ({ name, value, children }) => (
  <div class="when" data-when={`${name}=${value}`}>
    {children}
  </div>
);

const FieldsetError: FC<{ name: string; error: string | undefined }> = ({ name, error }) =>
  error ? (
    <p class="error" id={`f-${name}-error`} role="alert">
      {error}
    </p>
  ) : null;

/** A select over a cloud list: its items, or (when the list failed) a text field for the id. */
function Pick<T extends { id: string }>(props: {
  t: Translate;
  name: string;
  label: string;
  list: List<T>;
  value: string;
  error: string | undefined;
  option: (item: T) => string;
  empty: string;
  hint?: string;
}) {
  const { t, name, label, list, value, error, option, empty, hint } = props;
  if ('error' in list) {
    const why = list.error;
    return (
      <Field name={name} label={label} error={error} hint={`${why} ${t('buyer.deploy.typeId')}`}>
        <input
          id={`f-${name}`}
          name={name}
          value={value}
          class="mono"
          autocomplete="off"
          spellcheck={false}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy(name, error, 'hint')}
        />
      </Field>
    );
  }
  return (
    <Field name={name} label={label} error={error} hint={list.items.length === 0 ? empty : hint}>
      <select
        id={`f-${name}`}
        name={name}
        data-summary-value="true"
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(name, error, list.items.length === 0 ? empty : hint)}
      >
        <option value="">{t('buyer.deploy.choose')}</option>
        {list.items.map((item) => (
          <option value={item.id} selected={value === item.id}>
            {option(item)}
          </option>
        ))}
      </select>
    </Field>
  );
}

const none = <T,>(l: List<T>) => !('error' in l) && l.items.length === 0;

const ServerFieldset: FC<PartProps> = ({ t, v, errors, lists }) => {
  const zones = 'error' in lists.zones ? [] : lists.zones.items.filter((z) => z.available);
  return (
    <fieldset data-summary={t('buyer.deploy.server')}>
      <legend>{t('buyer.deploy.server')}</legend>
      <FieldsetError name="server" error={errors.server} />
      <ModeChoice
        t={t}
        name="serverMode"
        value={v.serverMode}
        newLabel={t('buyer.deploy.serverNew')}
        existingLabel={t('buyer.deploy.serverExisting')}
        existingDisabled={none(lists.servers) && v.serverMode !== 'existing'}
      />
      <Shown name="serverMode" value="new">
        <Pick
          t={t}
          name="flavorRef"
          label={t('buyer.deploy.flavor')}
          list={lists.flavors}
          value={v.flavorRef}
          error={errors.flavorRef}
          empty={t('buyer.deploy.noFlavors')}
          option={(f) =>
            t('buyer.deploy.flavorOption', {
              name: f.name,
              vcpus: f.vcpus,
              ram: (f.ramMb / 1024).toFixed(f.ramMb % 1024 === 0 ? 0 : 1),
            })
          }
        />
        <Pick
          t={t}
          name="imageRef"
          label={t('buyer.deploy.image')}
          list={lists.images}
          value={v.imageRef}
          error={errors.imageRef}
          empty={t('buyer.deploy.noImages')}
          option={(i) => i.name}
        />
        {zones.length > 0 && (
          <Field
            name="availabilityZone"
            label={t('buyer.deploy.zone')}
            error={errors.availabilityZone}
          >
            <select
              id="f-availabilityZone"
              name="availabilityZone"
              data-summary-value="true"
              aria-describedby={describedBy('availabilityZone', errors.availabilityZone)}
            >
              <option value="">{t('buyer.deploy.anyZone')}</option>
              {zones.map((z) => (
                <option value={z.name} selected={v.availabilityZone === z.name}>
                  {z.name}
                </option>
              ))}
            </select>
          </Field>
        )}
      </Shown>
      <Shown name="serverMode" value="existing">
        <Pick
          t={t}
          name="serverId"
          label={t('buyer.deploy.existingServer')}
          list={lists.servers}
          value={v.serverId}
          error={errors.serverId}
          empty={t('buyer.deploy.noServers')}
          option={(s) =>
            t('buyer.deploy.serverOption', { name: s.name, status: s.status, ip: s.ip ?? '—' })
          }
        />
      </Shown>
    </fieldset>
  );
};

const VpcFieldset: FC<PartProps> = ({ t, v, errors, lists }) => (
  <fieldset data-summary={t('buyer.deploy.vpc')}>
    <legend>{t('buyer.deploy.vpc')}</legend>
    <FieldsetError name="vpc" error={errors.vpc} />
    <ModeChoice
      t={t}
      name="vpcMode"
      value={v.vpcMode}
      newLabel={t('buyer.deploy.vpcNew')}
      existingLabel={t('buyer.deploy.vpcExisting')}
      existingDisabled={none(lists.vpcs) && v.vpcMode !== 'existing'}
    />
    <Shown name="vpcMode" value="new">
      <Field
        name="vpcCidr"
        label={t('buyer.deploy.cidr')}
        error={errors.vpcCidr}
        hint={t('buyer.deploy.vpcCidrHint')}
      >
        <input
          id="f-vpcCidr"
          name="vpcCidr"
          class="mono"
          value={v.vpcCidr}
          autocomplete="off"
          spellcheck={false}
          data-summary-value="true"
          aria-invalid={errors.vpcCidr ? 'true' : undefined}
          aria-describedby={describedBy('vpcCidr', errors.vpcCidr, 'hint')}
        />
      </Field>
    </Shown>
    <Shown name="vpcMode" value="existing">
      <Pick
        t={t}
        name="vpcId"
        label={t('buyer.deploy.existingVpc')}
        list={lists.vpcs}
        value={v.vpcId}
        error={errors.vpcId}
        empty={t('buyer.deploy.noVpcs')}
        option={(x) => `${x.name} (${x.cidr})`}
      />
    </Shown>
  </fieldset>
);

const SubnetFieldset: FC<PartProps> = ({ t, v, errors, lists }) => {
  const vpcNames = new Map(('error' in lists.vpcs ? [] : lists.vpcs.items).map((x) => [x.id, x]));
  return (
    <fieldset data-summary={t('buyer.deploy.subnet')}>
      <legend>{t('buyer.deploy.subnet')}</legend>
      <FieldsetError name="subnet" error={errors.subnet} />
      <ModeChoice
        t={t}
        name="subnetMode"
        value={v.subnetMode}
        newLabel={t('buyer.deploy.subnetNew')}
        existingLabel={t('buyer.deploy.subnetExisting')}
        existingDisabled={none(lists.subnets) && v.subnetMode !== 'existing'}
      />
      <Shown name="subnetMode" value="new">
        <Field name="subnetCidr" label={t('buyer.deploy.cidr')} error={errors.subnetCidr}>
          <input
            id="f-subnetCidr"
            name="subnetCidr"
            class="mono"
            value={v.subnetCidr}
            autocomplete="off"
            spellcheck={false}
            data-summary-value="true"
            aria-invalid={errors.subnetCidr ? 'true' : undefined}
            aria-describedby={describedBy('subnetCidr', errors.subnetCidr)}
          />
        </Field>
        <Field name="gatewayIp" label={t('buyer.deploy.gateway')} error={errors.gatewayIp}>
          <input
            id="f-gatewayIp"
            name="gatewayIp"
            class="mono"
            value={v.gatewayIp}
            autocomplete="off"
            spellcheck={false}
            data-summary-value="true"
            aria-invalid={errors.gatewayIp ? 'true' : undefined}
            aria-describedby={describedBy('gatewayIp', errors.gatewayIp)}
          />
        </Field>
      </Shown>
      <Shown name="subnetMode" value="existing">
        <Pick
          t={t}
          name="subnetId"
          label={t('buyer.deploy.existingSubnet')}
          list={lists.subnets}
          value={v.subnetId}
          error={errors.subnetId}
          empty={t('buyer.deploy.noSubnets')}
          option={(s) =>
            t('buyer.deploy.subnetOption', {
              name: s.name,
              cidr: s.cidr,
              vpc: vpcNames.get(s.vpcId)?.name ?? s.vpcId,
            })
          }
        />
      </Shown>
    </fieldset>
  );
};

const GroupFieldset: FC<PartProps & { ports: number[] | undefined }> = ({
  t,
  v,
  errors,
  lists,
  ports,
}) => (
  <fieldset data-summary={t('buyer.deploy.group')}>
    <legend>{t('buyer.deploy.group')}</legend>
    <p class="ports" id="group-ports">
      {ports === undefined
        ? t('buyer.deploy.portsUnknown')
        : ports.length === 0
          ? t('buyer.deploy.portsNone')
          : t('buyer.deploy.ports', { ports: ports.join(', ') })}
    </p>
    <FieldsetError name="securityGroup" error={errors.securityGroup} />
    <ModeChoice
      t={t}
      name="sgMode"
      value={v.sgMode}
      newLabel={t('buyer.deploy.groupNew')}
      existingLabel={t('buyer.deploy.groupExisting')}
      existingDisabled={none(lists.securityGroups) && v.sgMode !== 'existing'}
    />
    <Shown name="sgMode" value="existing">
      <Pick
        t={t}
        name="securityGroupId"
        label={t('buyer.deploy.existingGroup')}
        list={lists.securityGroups}
        value={v.securityGroupId}
        error={errors.securityGroupId}
        empty={t('buyer.deploy.noGroups')}
        hint={t('buyer.deploy.groupRulesHint')}
        option={(g) => g.name}
      />
    </Shown>
  </fieldset>
);

const PublicIpFieldset: FC<{
  t: Translate;
  v: DeployFormValues;
  errors: Record<string, string>;
}> = ({ t, v, errors }) => (
  <fieldset data-summary={t('buyer.deploy.publicIp')} data-when="serverMode=new">
    <legend>{t('buyer.deploy.publicIp')}</legend>
    <FieldsetError name="publicIp" error={errors.publicIp} />
    <label class="check">
      <input
        type="checkbox"
        name="publicIp"
        id="f-publicIp"
        checked={v.publicIp}
        aria-describedby={errors.publicIp ? 'f-publicIp-error' : undefined}
      />
      {t('buyer.deploy.publicIpCheck')}
    </label>
    <div class="when" data-when="publicIp=on">
      <Field
        name="bandwidthSize"
        label={t('buyer.deploy.bandwidth')}
        error={errors.bandwidthSize}
        hint={t('buyer.deploy.bandwidthHint')}
      >
        <input
          id="f-bandwidthSize"
          name="bandwidthSize"
          type="number"
          min={1}
          max={2000}
          inputmode="numeric"
          value={v.bandwidthSize}
          data-summary-value="true"
          aria-invalid={errors.bandwidthSize ? 'true' : undefined}
          aria-describedby={describedBy('bandwidthSize', errors.bandwidthSize, 'hint')}
        />
      </Field>
      <Field name="chargeMode" label={t('buyer.deploy.chargeMode')} error={errors.chargeMode}>
        <select
          id="f-chargeMode"
          name="chargeMode"
          data-summary-value="true"
          aria-describedby={describedBy('chargeMode', errors.chargeMode)}
        >
          {(['traffic', 'bandwidth'] as const).map((m) => (
            <option value={m} selected={v.chargeMode === m}>
              {known(t, `buyer.deploy.charge.${m}`, m)}
            </option>
          ))}
        </select>
      </Field>
    </div>
  </fieldset>
);

/** ECS's password rules, as buyer.js checks them while the buyer types (the API checks again). */
const RULES = ['length', 'chars', 'classes', 'user'] as const;

const PasswordFieldset: FC<{ t: Translate; errors: Record<string, string> }> = ({ t, errors }) => {
  const error = errors.adminPassword;
  return (
    <fieldset data-summary={t('buyer.deploy.password')} data-summary-secret="true">
      <legend>{t('buyer.deploy.password')}</legend>
      <div class={error ? 'field invalid' : 'field'}>
        <label for="f-adminPassword">{t('buyer.deploy.passwordLabel')}</label>
        <p class="hint" id="f-adminPassword-hint" data-when="serverMode=new">
          {t('buyer.deploy.passwordHintNew')}
        </p>
        <p class="hint" id="f-adminPassword-hint-existing" data-when="serverMode=existing">
          {t('buyer.deploy.passwordHintExisting')}
        </p>
        <input
          id="f-adminPassword"
          name="adminPassword"
          type="password"
          required
          autocomplete="new-password"
          maxlength={64}
          data-password-rules="true"
          data-msg-empty={t('buyer.deploy.passwordEmpty')}
          data-msg-rules={t('buyer.deploy.passwordRules')}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={[
            'f-adminPassword-hint',
            'f-adminPassword-rules',
            error ? 'f-adminPassword-error' : '',
          ]
            .filter(Boolean)
            .join(' ')}
        />
        <ul
          class="rules"
          id="f-adminPassword-rules"
          data-when="serverMode=new"
          aria-live="polite"
          data-met={t('buyer.deploy.ruleMet')}
          data-unmet={t('buyer.deploy.ruleUnmet')}
        >
          {RULES.map((r) => (
            <li data-rule={r} data-state="unknown">
              <span class="rule-state" aria-hidden="true"></span>
              <span class="rule-text">{t(`buyer.deploy.rule.${r}`)}</span>
              <span class="visually-hidden rule-said"></span>
            </li>
          ))}
        </ul>
        {error && (
          <p class="error" id="f-adminPassword-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </fieldset>
  );
};
